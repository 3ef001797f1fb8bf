/*
 * test_lang.c - language identification (daemon/lang.c) on hand-written
 * posts: English and French, short ones, accents and elisions, other
 * languages (Spanish, German, Italian, Dutch, Portuguese, other scripts),
 * text with no letters, and lang_detect's sums against the training tool's
 * lang_scan + lang_decide.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lang.h"

/* Assert that TEXT is found to be WANT. */
static void
check(const char *text, const char *want)
{
	double conf = -1;
	const char *got = lang_detect(text, strlen(text), &conf);

	if (strcmp(got, want) != 0)
		fail_msg("\"%s\": got %s, want %s", text, got, want);
	assert_true(conf >= 0 && conf <= 1);
}

static void
test_english(void **state)
{
	(void)state;
	check("anyone know how to reset my acme router", "en");
	check("The delivery was late again and nobody answered my emails.",
	    "en");
	check("could you send me the invoice again", "en");
	check("I can't believe they shipped the wrong size", "en");
}

static void
test_french(void **state)
{
	(void)state;
	check("qqn sait si acme livre le dimanche", "fr");
	check("La livraison est encore en retard et personne ne r\xc3\xa9pond.",
	    "fr");
	check("pouvez vous me le renvoyer", "fr");
	check("J'ai command\xc3\xa9 deux parfums, rien re\xc3\xa7u.", "fr");
}

static void
test_short_posts(void **state)
{
	(void)state;
	check("thanks a lot", "en");
	check("merci beaucoup", "fr");
	check("where is my order", "en");
	check("o\xc3\xb9 est ma commande", "fr");
	check("what a joke", "en");
	check("c'est nul", "fr");
	check("t'as vu \xc3\xa7" "a", "fr");
	check("j'sais pas", "fr");
}

static void
test_elisions_accents_case(void **state)
{
	(void)state;
	check("QU'EST-CE QUE C'EST QUE \xc3\x87" "A", "fr");
	check("D\xc3\xa9\xc3\xa7u par l'\xc3\xa9t\xc3\xa9", "fr");
	check("WHY IS THIS SO SLOW", "en");
	check("l\xe2\x80\x99" "appli ne marche plus depuis la mise \xc3\xa0 jour",
	    "fr");
}

static void
test_urls_and_handles_ignored(void **state)
{
	(void)state;
	check("@jeanmarc https://example.com/fr/la-page merci pour le lien",
	    "fr");
	check("@acme_support https://example.fr/commande thanks for the help",
	    "en");
}

static void
test_other_languages(void **state)
{
	(void)state;
	check("\xc2\xbf" "D\xc3\xb3nde est\xc3\xa1 mi pedido? Lo ped\xc3\xad "
	    "hace dos semanas.", "other");
	check("Hola, gracias por todo, el pedido lleg\xc3\xb3 muy bien",
	    "other");
	check("Ich habe meine Bestellung noch nicht bekommen, bitte helfen "
	    "Sie mir.", "other");
	check("Das ist wirklich sehr gut, danke!", "other");
	check("Non ho ancora ricevuto il mio ordine, perch\xc3\xa9 ci vuole "
	    "cos\xc3\xac tanto?", "other");
	check("Ciao, grazie mille, tutto molto bello", "other");
	check("Ik heb mijn bestelling nog niet ontvangen, wat moet ik doen?",
	    "other");
	check("Hoe laat gaat de winkel vandaag open?", "other");
	check("N\xc3\xa3o recebi o meu pedido, voc\xc3\xaa pode ajudar?",
	    "other");
	check("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xba\xd0"
	    "\xb0\xd0\xba \xd0\xb4\xd0\xb5\xd0\xbb\xd0\xb0?", "other");
	check("\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf",
	    "other");
}

static void
test_no_letters(void **state)
{
	double conf = 1;

	(void)state;
	check("", "other");
	check(":) 123 !!!", "other");
	assert_string_equal(lang_detect("\xf0\x9f\x98\x80", 4, &conf),
	    "other");
	assert_true(conf == 0);
	/* invalid UTF-8 and NUL bytes are read, never trusted */
	assert_non_null(lang_detect("\xc3\x00\xff\xfe abc", 8, NULL));
}

/* lang_detect sums the grams as it folds; lang_scan + lang_decide (what the
 * training tool sees) must find the same language and confidence. */
static void
test_detect_as_scanned(void **state)
{
	static const char *const texts[] = {
		"the new update is really not bad but my router keeps crashing",
		"j'adore l'appli mais la livraison est trop lente, qqn sait si",
		"Est-ce que vous livrez le dimanche ? MERCI !!!",
		"@bob https://x.co/a?b=1 www.foo.fr ok",
		"d\xc3\xa9\xc3\xa7u \xc5\x93uvre \xc3\xa0 la fen\xc3\xaa" "tre",
		"\xc3\xb1" "and\xc3\xba \xc3\x9f stra\xc3\x9f" "e",
		/* letters the fold drops (U+01C5): no gram at all */
		"\xc7\x85",
		"\xc7\x85 \xc7\x86 12",
		"a",
		"x y z",
	};
	static struct lang_scan scan;
	double got_conf, want_conf;
	const char *got, *want;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		len = strlen(texts[i]);
		got = lang_detect(texts[i], len, &got_conf);
		lang_scan(texts[i], len, &scan);
		want = lang_decide(&scan, lang_model_ratio, &want_conf);
		if (strcmp(got, want) != 0 || got_conf != want_conf)
			fail_msg("\"%s\": detect %s %.17g, scan %s %.17g",
			    texts[i], got, got_conf, want, want_conf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english),
		cmocka_unit_test(test_french),
		cmocka_unit_test(test_short_posts),
		cmocka_unit_test(test_elisions_accents_case),
		cmocka_unit_test(test_urls_and_handles_ignored),
		cmocka_unit_test(test_other_languages),
		cmocka_unit_test(test_no_letters),
		cmocka_unit_test(test_detect_as_scanned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
