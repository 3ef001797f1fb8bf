#!/bin/sh
# train_lang_question.sh - regenerates daemon/lang_model.c and
# daemon/question_model.c from ../shared/eval (read in place), printing the
# cross-validation figures. One command, deterministic:
#
#	tests/train/train_lang_question.sh [BUILD_DIR]
#
# The language tables are trained twice: the second run scores with the set of
# other-language words that the first one compiled in.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build-train}
eval=../shared/eval
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j2 --target lang_train >/dev/null
"$build"/tests/lang_train -o daemon/lang_model.c "$eval/questions" \
  "$eval/sentiment" >/dev/null
cmake --build "$build" -j2 --target lang_train >/dev/null
echo "== language (5-fold cross-validation and final fit, accuracy)"
"$build"/tests/lang_train -o daemon/lang_model.c "$eval/questions" \
  "$eval/sentiment"
cmake --build "$build" -j2 --target question_train >/dev/null
echo "== questions (5-fold cross-validation and final fit)"
"$build"/tests/question_train -o daemon/question_model.c "$eval/questions"
cmake --build "$build" -j2 --target eval_questions >/dev/null
