/*
 * missing_symbol.c - a shared object that exports no `mentiond_plugin`: not a
 * mentiond plugin at all.
 */
#include "mentiond/plugin.h"

__attribute__((visibility("default"))) int missing_symbol_answer(void);

/* Something else to export, so the object is not empty. */
int
missing_symbol_answer(void)
{
	return 42;
}
