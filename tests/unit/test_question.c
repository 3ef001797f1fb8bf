/*
 * test_question.c - question detection (daemon/question.c) on hand-written
 * English and French posts, one test per rule: plain questions, questions
 * without '?', est-ce que, inversion, "qqn sait si", polite requests,
 * rhetorical '?', '?' in URLs and quotes, a question in the middle of a long
 * post, elisions and accents, the language left to lang_detect.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "question.h"

/* Assert that TEXT in LANG is (WANT 1) or is not (0) a question. */
static void
check(const char *text, const char *lang, int want)
{
	double score = -1;
	int got = question_detect(text, strlen(text), lang, &score);

	if (got != want)
		fail_msg("\"%s\" (%s): got %d (score %.3f), want %d", text,
		    lang != NULL ? lang : "?", got, score, want);
	assert_true(score >= 0 && score <= 1);
	assert_int_equal(got, score >= QUESTION_THRESHOLD);
}

static void
test_plain(void **state)
{
	(void)state;
	check("How do I export my data?", "en", 1);
	check("Where is my parcel?", "en", 1);
	check("The new release works fine.", "en", 0);
	check("Shipped on Monday, arrived today.", "en", 0);
	check("Comment exporter mes donn\xc3\xa9" "es ?", "fr", 1);
	check("Quel est le d\xc3\xa9lai de livraison ?", "fr", 1);
	check("La nouvelle version marche bien.", "fr", 0);
	check("Colis re\xc3\xa7u hier, merci.", "fr", 0);
}

static void
test_english_without_qmark(void **state)
{
	(void)state;
	check("anyone know how to reset my acme router", "en", 1);
	check("does anyone have the manual for the X200", "en", 1);
	check("is there a way to change the delivery address", "en", 1);
	check("wondering if the store is open on sunday", "en", 1);
	check("I wonder if the shop is open on sunday", "en", 1);
	/* the speaker's doubt about the hearer asks them */
	check("I don't know if you have the invoice for March", "en", 1);
	check("i dont know if you ever tried the new menu", "en", 1);
	check("I don't know if they deliver on sundays", "en", 0);
	check("I don't know if you noticed, but the shop moved", "en", 0);
	/* someone else's wondering asks nothing */
	check("some days you wonder why you even bother", "en", 0);
	check("they are curious whether the shop is open", "en", 0);
	check("any idea why the app keeps crashing", "en", 1);
	check("I reset the router and it works now", "en", 0);
	/* "anyone" asks at the head, after a comma, or in "if anyone
	 * knows" */
	check("if anyone knows a good plumber, let me know", "en", 1);
	check("running on Sunday, anyone got suggestions for good songs", "en",
	    1);
	check("nobody knows about it", "en", 0);
	check("if anyone has ever been there, it's fun", "en", 0);
	check("somebody has to work late", "en", 0);
	check("Mainly because we don't have anybody to either side of us.",
	    "en", 0);
	check("which if anyone has ever been involved in that, some days it's "
	    "fun", "en", 0);
	check("and although he's been as conditioned as, you know, anybody "
	    "else,", "en", 0);
}

static void
test_english_requests(void **state)
{
	(void)state;
	check("could you send me the invoice again?", "en", 1);
	check("Can you check my order please?", "en", 1);
	check("can someone help me with the setup", "en", 1);
	check("You sent me the invoice yesterday.", "en", 0);
}

static void
test_french_without_qmark(void **state)
{
	(void)state;
	check("qqn sait si acme livre le dimanche", "fr", 1);
	check("quelqu'un sait comment r\xc3\xa9initialiser la box", "fr", 1);
	check("est-ce que vous livrez en Belgique", "fr", 1);
	check("est ce que je peux changer l'adresse", "fr", 1);
	check("je voudrais savoir o\xc3\xb9 en est ma commande", "fr", 1);
	check("je voulais savoir si le magasin est ouvert demain", "fr", 1);
	check("tu sais si la boutique ouvre lundi", "fr", 1);
	check("J'ai re\xc3\xa7u ma commande ce matin.", "fr", 0);
	check("tu sais que je rentre tard le mardi", "fr", 0);
	check("c'est ce qu'on appelle un bon service", "fr", 0);
}

static void
test_french_inversion(void **state)
{
	(void)state;
	check("livrez-vous le dimanche", "fr", 1);
	check("Peut-on payer en trois fois", "fr", 1);
	check("Avez-vous re\xc3\xa7u mon message", "fr", 1);
	check("Pourquoi la livraison a-t-elle du retard ?", "fr", 1);
	check("puis je annuler ma commande", "fr", 1);
}

static void
test_french_requests(void **state)
{
	(void)state;
	check("pouvez vous me le renvoyer", "fr", 1);
	check("pourriez-vous me renvoyer la facture svp", "fr", 1);
	check("merci de me dire quand le colis arrive", "fr", 1);
	check("dites-moi quand c'est pr\xc3\xaat", "fr", 1);
	check("Excusez-moi pour le retard.", "fr", 0);
}

static void
test_rhetorical(void **state)
{
	(void)state;
	check("pourquoi pas ?", "fr", 0);
	check("Hihi, pourquoi pas ? :)", "fr", 0);
	check("S\xc3\xa9rieux ?!", "fr", 0);
	check("who cares?", "en", 0);
	check("Guess what? I got the job!", "en", 0);
	check("who knows?", "en", 0);
	check("who knows the opening hours?", "en", 1);
	check("Qui sait ? ;)", "fr", 0);
	check("n'importe quoi ?", "fr", 0);
	check("comment ne pas aimer cette s\xc3\xa9rie ?", "fr", 0);
	/* a hedge on one's own words (French transcripts count "comment
	 * dire ?" as a question: left alone) */
	check("how shall I say it,", "en", 0);
	check("How do I put it back together?", "en", 1);
	check("c'est comme, comment dire ?", "fr", 1);
	/* "?!" is surprise, not a request */
	check("C'est maintenant que tu te r\xc3\xa9veilles ?!", "fr", 0);
	check("Ils ont encore augment\xc3\xa9 les prix ?!", "fr", 0);
	check("They cancelled it again?!", "en", 0);
	check("Another price rise?!", "en", 0);
	check("Pourquoi vous avez annulÃ© ma commande ?!", "fr", 1);
}

static void
test_inversion_without_qmark(void **state)
{
	(void)state;
	/* chat and speech leave the '?' out of an inverted auxiliary */
	check("did you do it with a jigsaw", "en", 1);
	check("are u mexican", "en", 1);
	/* a subject before the auxiliary is a clause, not an inversion */
	check("I know when I was working, you have all these problems with "
	    "child care", "en", 0);
	check("that's what I was about to say", "en", 0);
	check("and what they do is they get caught", "en", 0);
	/* an auxiliary before "a": the subject went before */
	check("is a smoker", "en", 0);
	check("was a mistake, that's all", "en", 0);
	/* a French verb that asks, first and before its subject */
	check("vendez vous des pi\xc3\xa8" "ces d\xc3\xa9tach\xc3\xa9" "es", "fr",
	    1);
	/* written French inverts without asking */
	check("Attardons-nous d\xc3\xa9sormais sur la une du quotidien.", "fr",
	    0);
	check("\xc3\x80 peine avait-il distribu\xc3\xa9 les armes qu'il dut "
	    "repousser l'attaque.", "fr", 0);
	/* a tag asks for a yes whatever the punctuation */
	check("she needed that, didn't she.", "en", 1);
	check("c'est le bon mod\xc3\xa8le, n'est-ce pas", "fr", 1);
	check("c'est le bon mod\xc3\xa8le.", "fr", 0);
}

static void
test_english_statements_kept(void **state)
{
	(void)state;
	/* an auxiliary first with no subject after it: the subject went
	 * before, or it is a wish, an order, a condition, an echo */
	check("Has all the depth of a wading pool.", "en", 0);
	check("is 4,478 at least", "en", 0);
	check("may she rest in peace", "en", 0);
	check("Banana on toast with raspberry jam!  do it!", "en", 0);
	check("Haha, so am I.", "en", 0);
	check("had this been my only dvd player, it would have been a real "
	    "problem.", "en", 0);
	check("and should they not know it, they can find it out pretty "
	    "quick.", "en", 0);
	check("Is she spayed.", "en", 1);
	check("was it your grand mother that was having Alzheimer", "en", 1);
	/* "any" with its own verb states */
	check("any rock pile will do", "en", 0);
	check("any disadvantages are easily outweighed by its advantages.",
	    "en", 0);
	/* a what-clause then a copula is the subject */
	check("What's left is a rich stew of longing.", "en", 0);
	check("What doesn't rock is the price of a beer", "en", 0);
	check("what time is it", "en", 1);
	/* a wh-word then a clause, not an inversion */
	check("But when it does, you're entirely unprepared.", "en", 0);
	check("my wife, who has never used a camera before, picked it up",
	    "en", 0);
	check("When your leading ladies are a couple of stars, the film works",
	    "en", 0);
	check("where are you from", "en", 1);
	check("what kind of car do you drive", "en", 1);
	/* "that isn't it" is no tag */
	check("Pretty sure that isn't it. :P", "en", 0);
}

static void
test_restarts(void **state)
{
	(void)state;
	/* a speaker's restart does not hide the head of the sentence */
	check("Do, do you have friends with older children,", "en", 1);
	check("so, um, have you, have you worked outside", "en", 1);
	check("tu, tu fais quoi ce soir", "fr", 1);
	check("I, I went through that when I got out of college.", "en", 0);
	check("je, je sais pas trop.", "fr", 0);
}

static void
test_clause_after_comma(void **state)
{
	(void)state;
	/* a clause after a comma asks with its own inversion */
	check("if the fan is broken, why would I keep it", "en", 1);
	check("I'm fine thanks, how are you", "en", 1);
	check("ok I got the parcel yesterday, where do I send the old one",
	    "en", 1);
	/* not a relative clause, a hedge, or a quote */
	check("my car, which is the red one, runs well", "en", 0);
	check("I wear just, uh, how shall I say it, walking shoes", "en", 0);
	check("and I'm like, well, what are you doing", "en", 0);
}

static void
test_reported_speech(void **state)
{
	(void)state;
	/* a quoted question is not the writer's */
	check("and I'm like, well why can't Ashley be at the wedding", "en", 0);
	check("And I'm going well how about this way?", "en", 0);
	check("and then you go, What?", "en", 0);
	check("he said what did you get a deal for, Bill.", "en", 0);
	/* no quote after the verb: the verb is the question's own */
	check("you go there on sundays?", "en", 1);
	/* French transcripts count a quoted direct question as one */
	check("et il me dit mais, euh, pourquoi tu souris ?", "fr", 1);
}

static void
test_chat_forms(void **state)
{
	(void)state;
	/* "(is there) anyone from Texas" */
	check("any girls wanna chat", "en", 1);
	check("any of them would do", "en", 0);
	check("do any of your friends have older children", "en", 1);
	/* chat drops the auxiliary, not the asking */
	check("how you doin", "en", 1);
	check("how come he wasnt booted", "en", 1);
	check("what about me", "en", 1);
	check("why so mad", "en", 1);
	/* speech cuts "what kind of ..." short: the fragment still asks */
	check("um, what kind", "en", 1);
	check("so what sort of work", "en", 1);
	check("what kind of car I drive is none of your business", "en", 0);
	check("hows your day goin", "en", 1);
	check("whats ur major", "en", 1);
	check("what would be a happy medium", "en", 1);
	check("what would help is a refund", "en", 0);
	check("what you need is a new router", "en", 0);
	check("How much you are moved by it depends on you.", "en", 0);
	/* a sentence-initial "which" without '?' goes on from before */
	check("Which is fine, you know.", "en", 0);
	check("which is better?", "en", 1);
	/* the letter of a smiley is no word: the head is what follows */
	check("lol :P who cares?", "en", 0);
	check("Merci ! :D mais tu sais quoi ? Je suis scandalis\xc3\xa9 !", "fr",
	    0);
	/* a French wh-word then its verb, or its subject in speech */
	check("bonjour quand va arriver ma commande", "fr", 1);
	check("comment je fais pour r\xc3\xa9" "cup\xc3\xa9rer ce colis.", "fr", 1);
	check("pourquoi vous ne r\xc3\xa9pondez pas \xc3\xa0 mes mails", "fr", 1);
	check("comment vous faites pour livrer aussi vite", "fr", 1);
	check("pourquoi le colis est bloqu\xc3\xa9 \xc3\xa0 la douane", "fr", 1);
	check("comment les frais de douane sont calcul\xc3\xa9s", "fr", 1);
	check("quand je suis arriv\xc3\xa9, le magasin \xc3\xa9tait ferm\xc3\xa9.",
	    "fr", 0);
}

static void
test_thanks_in_advance(void **state)
{
	(void)state;
	/* thanking in advance asks for help */
	check("I need the invoice for March. Thanks in advance", "en", 1);
	check("Je cherche la notice du mod\xc3\xa8le X200. Merci d'avance",
	    "fr", 1);
	check("Thanks for your help.", "en", 0);
	check("Merci pour votre aide.", "fr", 0);
}

static void
test_qmark_in_url_and_quote(void **state)
{
	(void)state;
	check("New post: https://example.com/page?id=42&ref=home", "en", 0);
	check("Voir www.example.fr/produit?ref=12 pour les d\xc3\xa9tails",
	    "fr", 0);
	check("He asked \"why?\" and then he left.", "en", 0);
	check("Il a dit \xc2\xab pourquoi ? \xc2\xbb puis il est parti.", "fr",
	    0);
	check("check https://example.com/?q=1 does it load for you?", "en", 1);
}

static void
test_question_in_the_middle(void **state)
{
	(void)state;
	check("I bought the X200 last week and set it up at home. How do I "
	    "turn on the guest network? The manual says nothing about it and "
	    "the app is no help either.", "en", 1);
	check("Bonjour, j'ai command\xc3\xa9 un parfum la semaine derni\xc3\xa8"
	    "re. Est-ce que vous pouvez me dire quand il arrive ? Merci "
	    "d'avance et bonne journ\xc3\xa9" "e.", "fr", 1);
	check("Bonjour, j'ai command\xc3\xa9 un parfum. Il est arriv\xc3\xa9 "
	    "hier. Tout est parfait, merci.", "fr", 0);
}

static void
test_elisions_and_accents(void **state)
{
	(void)state;
	check("qu'est-ce que vous proposez comme garantie", "fr", 1);
	check("Qu\xe2\x80\x99" "est-ce qu\xe2\x80\x99il faut faire", "fr", 1);
	check("t'as vu o\xc3\xb9 j'ai mis le ticket ?", "fr", 1);
	check("j'sais pas, on verra demain", "fr", 0);
	check("C'EST O\xc3\x99 LE MAGASIN", "fr", 1);
	check("tu fais quoi ce soir", "fr", 1);
	check("j'habite \xc3\xa0 Paris ou \xc3\xa0 Lyon, \xc3\xa7" "a d\xc3\xa9"
	    "pend", "fr", 0);
}

static void
test_language_unknown(void **state)
{
	(void)state;
	check("est-ce que vous livrez le dimanche", NULL, 1);
	check("does anyone know if they deliver on sundays", NULL, 1);
	check("Livraison rapide, produit conforme.", NULL, 0);
	check("", NULL, 0);
	check("???", "en", 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_english_without_qmark),
		cmocka_unit_test(test_english_requests),
		cmocka_unit_test(test_french_without_qmark),
		cmocka_unit_test(test_french_inversion),
		cmocka_unit_test(test_french_requests),
		cmocka_unit_test(test_rhetorical),
		cmocka_unit_test(test_inversion_without_qmark),
		cmocka_unit_test(test_english_statements_kept),
		cmocka_unit_test(test_restarts),
		cmocka_unit_test(test_clause_after_comma),
		cmocka_unit_test(test_reported_speech),
		cmocka_unit_test(test_chat_forms),
		cmocka_unit_test(test_thanks_in_advance),
		cmocka_unit_test(test_qmark_in_url_and_quote),
		cmocka_unit_test(test_question_in_the_middle),
		cmocka_unit_test(test_elisions_and_accents),
		cmocka_unit_test(test_language_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
