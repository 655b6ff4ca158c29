"""qa/answer/support.py: "not in the documents" whatever else the folder holds, answers about what
was asked (its period, its asked-for kind), on real indexes built with the bundled model.

Folders: the seed report alone; with one unrelated 150-byte note; with two unrelated human-rights
reports (tests/data/unrelated-reports, public domain) that say "president" and "population".
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qa.answer import answer  # noqa: E402
from qa.answer.support import KeyTerms, key_terms, kind_missing, not_in_documents  # noqa: E402
from qa.text import periods  # noqa: E402

from conftest import KLOOP_SENTENCE, SEED_FILE, SEEDS, quoted, small_folder, write  # noqa: E402

REPORTS = Path(__file__).resolve().parent / "data" / "unrelated-reports"
NOTE = ("Shopping list for the weekend: flour, yeast and salt for the sourdough bread, two kilos of "
        "apples, and milk. Remember to call the plumber.\n")

# The seed report answers these (a substring of the right quote), and not the on-topic absent ones.
QUESTIONS = json.loads((REPORTS / "questions.json").read_text(encoding="utf-8"))
ANSWERABLE = [(q["question"], q["quote"]) for q in QUESTIONS["answerable"]]
ON_TOPIC_ABSENT = QUESTIONS["on_topic_absent"]


def _index(base: Path, embedder, extra: dict[str, str]):
    from qa import Retriever, build_index

    docs = base / "docs"
    docs.mkdir(parents=True)
    shutil.copy(SEEDS / SEED_FILE, docs / SEED_FILE)  # the tracked seed file only
    for name, text in extra.items():
        write(docs, name, text)
    build_index(docs, base / "index", embedder=embedder)
    return Retriever.load(base / "index", embedder=embedder)


@pytest.fixture(scope="module")
def folders(tmp_path_factory, embedder):
    reports = {p.name: p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt"))}
    assert len(reports) == 2
    return {
        "seed alone": _index(tmp_path_factory.mktemp("alone"), embedder, {}),
        "seed + note": _index(tmp_path_factory.mktemp("note"), embedder, {"note.txt": NOTE}),
        "seed + 2 reports": _index(tmp_path_factory.mktemp("reports"), embedder, reports),
    }


# ---------------------------------------------------------------- pure functions


def test_periods_are_normalised():
    assert periods("results for the third quarter of 2020 (Q3 2020) and H1") == \
        [("q3", "third quarter"), ("2020", "2020"), ("h1", "H1")]
    assert periods("in the 2nd quarter and the second half; 3Q") == [("q2", "2nd quarter"), ("h2", "second half")] + \
        [("q3", "3Q")]
    assert periods("Section 12 of 150 pages") == []
    assert periods("checks in November 2015; in December 2014") == [("m11", "November"), ("2015", "2015"), ("m12", "December"), ("2014", "2014")]


def test_key_terms_of_a_question():
    key = key_terms("How much corporate income tax did ACCIONA pay in France in the third quarter of 2020?")
    assert [w for _, w in key.names] == ["ACCIONA", "France"]
    assert [n for n, _ in key.periods] == ["q3", "2020"]
    assert key.wants == "number"


def test_the_asked_for_kind():
    how_many = key_terms("How many Patriot batteries had the United States delivered?")
    assert kind_missing(how_many, "The United States delivered Patriot batteries to Ukraine in April.")
    assert not kind_missing(how_many, "The United States had delivered three Patriot batteries.")
    when = key_terms("When was Kloop Media liquidated?")
    assert kind_missing(when, "Kloop Media was liquidated by a court.")
    assert not kind_missing(when, "Kloop Media was liquidated in February 2024.")
    who = key_terms("who pays the heaviest price in ongoing conflicts")  # a group answers: left to the scorer
    assert not kind_missing(who, "Those most affected are the peaceful residents caught up in ongoing conflicts.")
    assert not kind_missing(key_terms("why was Kloop closed"), "No reason was given.")  # no kind asked


SHELTERS = ("Domestic violence in the northern region\n\nA 2019 survey found that 35 per cent of women in the region "
            "had experienced violence at home. Victims seldom reported such abuse to the police, and few cases reached "
            "court. Shelters in the region received 120 calls a month from women seeking help. The government opened "
            "two new shelters in 2020.\n")


def test_how_often_is_answered_by_an_adverb_of_frequency(tmp_path, embedder):
    from qa.answer.features import holds_kind, question_profile

    assert question_profile("How often did victims report abuse?").wants == "frequency"
    assert holds_kind("Victims seldom reported such abuse.", "frequency")
    assert not holds_kind("Victims seldom reported such abuse.", "number")  # a count is still a number
    retriever = small_folder(tmp_path, embedder, {"shelters.txt": SHELTERS})
    a = answer(retriever, "How often did victims in the northern region report abuse to the police?")
    assert not a.abstained and a.sentences[0].text.startswith("Victims seldom reported"), a.text


def test_an_ordinal_is_found_in_its_figures(tmp_path, embedder):
    # A court letter writes "the 3d Circuit", never "Third": it is not a document lacking the term.
    from qa.answer.support import evidence

    letter = ("Office of the Clerk, United States Court of Appeals for the 3d Circuit. Enclosed is case opening "
              "information regarding the appeal docketed at No. 17-2678. Counsel must file an entry of appearance "
              "within fourteen days.\n")
    history = "The Third Reich collapsed in 1945 after six years of war in Europe and the fall of Berlin.\n"
    retriever = small_folder(tmp_path, embedder, {"letter.txt": letter, "history.txt": history})
    found = evidence(retriever, ["third"])["third"]
    assert len(found) == 2, found


def test_a_month_with_its_day_pins_an_event_not_a_period(tmp_path, embedder):
    key = key_terms("Which province ordered all migrants to leave by 25 May 2012?")
    assert [w for _, w in key.periods] == ["2012"]  # the year stays a period, the dated month does not
    assert [w for _, w in key_terms("How many checks were run in May 2012?").periods] == ["May", "2012"]
    entry = ("Refugees and migrants\n\nIn April, the federal government rescinded an order by officials in Sarhad "
             "province calling for all undocumented migrants to leave by 25 May. Some 40,000 migrants had left by "
             "December 2012, according to the refugee agency.\n")
    quoted(tmp_path, embedder, {"rights-report-2013-region.txt": entry},
           "Officials in which province had ordered all undocumented migrants to leave by 25 May 2012?", "Sarhad")


def test_a_report_named_by_its_year_answers_from_passages_citing_the_year_before(tmp_path, embedder):
    # The running head "Amnesty International Report 2013" is page furniture; the entry cites 2012 papers.
    entry = ("ALBANIA\nHead of government: Sali Berisha\n\nThe government adopted reforms which restricted the "
             "immunity of officials from prosecution (EUR 11/001/2012). In December, the European Council postponed "
             "the granting of candidate status, conditional on further reform (EUR 11/004/2012).\n")
    quoted(tmp_path, embedder, {"amnesty-report-2013-albania.txt": entry},
           "Who was Albania's head of government according to Amnesty International Report 2013?", "Berisha")


def test_a_report_named_by_a_year_tells_of_the_year_before_without_naming_it(tmp_path, embedder):
    # "During the year" is 2012 in a report of 2013 whose passage names only the year it compares with.
    entry = ("NORTHLAND\n\nFreedom of expression\n\nJournalists were threatened, arbitrarily arrested or beaten "
             "during the year. The media monitor Sada recorded 57 attacks on journalists by police and armed groups; "
             "this was 12% fewer attacks than in 2011. Two newspapers were closed by court order in October.\n")
    retriever = small_folder(tmp_path, embedder, {"rights-report-2013-northland.txt": entry})
    a = answer(retriever, "How many attacks on journalists did the media monitor Sada record in Northland in 2012?")
    assert not a.abstained and any("57 attacks" in s.text for s in a.sentences), (a.notes, a.text)
    later = answer(retriever, "How many attacks on journalists did Sada record in Northland in 2015?")
    assert later.abstained and "2015" in later.notes[0], later.notes


def test_a_month_without_its_year_meets_the_month_asked(tmp_path, embedder):
    # "in October" meets "October 2010" though the passage's one dated month is "January 2011".
    entry = ("Background\n\nMaria Costa won the presidential elections in the second round in October, promising "
             "continuity, and was due to take office in January 2011. Violence by police in poor neighbourhoods "
             "continued during the year.\n")
    quoted(tmp_path, embedder, {"rights-report-2011-veridia.txt": entry},
           "Who won Veridia's presidential elections in the second round in October 2010?", "Maria Costa")


def _key(question: str) -> KeyTerms:
    return key_terms(question)


def test_not_in_documents_reads_documents_not_passages():
    key = _key("what is the capital of Kyrgyzstan")
    seed = {"kyrgyzstan": {"seed": 1.0}}  # in every chunk of the 4-chunk report; "capital" nowhere
    assert not_in_documents(key, seed, {"seed": 4}) == "No document mentions 'capital'."
    # a short note says "capital" but never "Kyrgyzstan": still not answerable
    both = {"kyrgyzstan": {"seed": 1.0}, "capit": {"note": 1.0}}
    assert not_in_documents(key, both, {"seed": 4, "note": 1}) == "The documents about 'Kyrgyzstan' never mention 'capital'."
    # a document holding both words can answer
    assert not_in_documents(key, {"kyrgyzstan": {"seed": 1.0, "x": 0.5}, "capit": {"x": 0.25}},
                            {"seed": 4, "x": 4}) is None
    # "Kyrgyzstan" only in one passage of a long document: specific there, left to the scorer
    assert not_in_documents(key, {"kyrgyzstan": {"long": 0.1}}, {"long": 10}) is None
    # no word of the question anywhere: another topic or language, left to the scorer
    assert not_in_documents(key, {}, {}) is None


# ---------------------------------------------------------------- on real folders


def test_retriever_reads_document_frequencies_from_the_index(folders):
    r = folders["seed + 2 reports"]
    seed = next(d.doc_id for d in r.documents() if d.source == SEED_FILE)
    sizes = r.document_chunks()
    assert set(sizes) == {d.doc_id for d in r.documents()} and sizes[seed] >= 3
    assert r.term_documents("kyrgyzstan") == {seed: 1.0}  # the title runs through every chunk
    president = r.term_documents("presid")
    assert president and seed not in president
    assert r.term_documents("zzzz") == {}


@pytest.mark.parametrize("folder", ["seed alone", "seed + note", "seed + 2 reports"])
def test_on_topic_absent_questions_abstain_whatever_else_the_folder_holds(folders, folder):
    r = folders[folder]
    for question in ON_TOPIC_ABSENT[:3]:
        a = answer(r, question)
        assert a.abstained, (folder, question, a.confidence, a.text)
        assert any("mention" in n for n in a.notes), a.notes  # the reason is said
    kloop = answer(r, "what happened to Kloop Media")
    assert not kloop.abstained and KLOOP_SENTENCE in kloop.sentences[0].text


def test_seed_and_two_reports_answer_right_and_abstain_on_topic(folders):
    r = folders["seed + 2 reports"]
    for question, quote in ANSWERABLE:
        a = answer(r, question)
        assert not a.abstained and any(quote in s.text for s in a.sentences), (question, a.text, a.notes)
    abstained = [q for q in ON_TOPIC_ABSENT if answer(r, q).abstained]
    assert len(abstained) >= 7, sorted(set(ON_TOPIC_ABSENT) - set(abstained))


def test_another_period_than_asked_abstains_with_the_reason(tmp_path, embedder):
    r = small_folder(tmp_path, embedder, {
        "acme-q2.txt": "Acme Corporation: results for the second quarter of 2024\n\n"
                       "In the second quarter, Acme's revenue rose 12 percent to 4.1 billion dollars. Operating "
                       "profit was 610 million dollars, against 540 million a year earlier. The company opened two "
                       "plants in Ohio and hired 800 people.\n"})
    assert not answer(r, "What was Acme's revenue in the second quarter?").abstained
    a = answer(r, "What was Acme's revenue in the third quarter?")
    assert a.abstained and any("another period" in n and "third quarter" in n for n in a.notes), a.notes


def test_a_quote_without_the_asked_for_quantity_abstains(tmp_path, embedder):
    r = small_folder(tmp_path, embedder, {
        "aid.txt": "Air defence for Ukraine\n\nThe United States delivered Patriot batteries to Ukraine after "
                   "months of debate in Washington. Officials said the systems were deployed near Kyiv to protect "
                   "the capital's power stations. Germany also sent Patriot launchers and missiles.\n"})
    a = answer(r, "How many Patriot batteries had the United States delivered to Ukraine?")
    assert a.abstained and "The best passages found give no quantity." in a.notes, (a.notes, a.confidence)
    assert not answer(r, "Which systems did the United States deliver to Ukraine?").abstained


def test_specific_terms_are_names_and_periods():
    key = key_terms("How many handgun background checks did Texas have in December 2015?")
    assert key.specific == {"texa", "decemb", "2015"}
    # a month without a year is a date written otherwise (03/21), not a name
    key = key_terms("How much was the airfare for Senator Hawley's March 21 to 24 trip to Saint Louis?")
    assert "march" not in key.specific and {"hawley", "loui"} <= key.specific
    # "according to X" frames the question: not its focus
    assert key_terms("According to the Medical Examiner, what caused the head trauma?").focus == "caus"


def test_a_document_lacking_a_name_other_documents_hold_is_not_quoted(folders):
    r = folders["seed + 2 reports"]
    a = answer(r, "Which law did Micronesia use to restrict the media in Kyrgyzstan?")
    assert a.abstained, (a.confidence, a.text)
    assert any("never mentions 'Micronesia' (other documents do)" in n for n in a.notes), a.notes
    # the same question without the other country's name is answered from the seed report
    a = answer(r, "Which law was used to restrict the media in Kyrgyzstan?")
    assert not a.abstained and "Inaccurate (False) Information" in a.text, (a.notes, a.text)


def test_another_company_than_asked_abstains(tmp_path, embedder):
    r = small_folder(tmp_path, embedder, {
        "acme-2024.txt": "Acme Corporation annual report 2024\n\n"
                         "Acme's revenue rose 12 percent to 4.1 billion dollars in 2024. The company opened two "
                         "plants in Ohio, where its revenue reached 900 million dollars, and hired 800 people there.\n",
        "borealis-2024.txt": "Borealis Limited annual report 2024\n\n"
                             "Borealis sold its Texas refinery in March. Its revenue in Texas fell to 300 million "
                             "dollars, and the group moved 200 jobs to Alberta.\n"})
    ohio = answer(r, "How much revenue did Acme make in Ohio?")
    assert not ohio.abstained and "900 million" in ohio.text, (ohio.notes, ohio.text)
    texas = answer(r, "How much revenue did Acme make in Texas?")
    assert texas.abstained and any("other documents do" in n for n in texas.notes), (texas.notes, texas.text)


def test_a_number_the_document_lacks_but_a_year_is_left_to_the_period_check(tmp_path, embedder):
    r = small_folder(tmp_path, embedder, {
        "rates.txt": "Home loan rates, March 2019\n\nThe 1 Year Fixed Rate home loan has an annual percentage "
                     "rate of 4.24%. The 5 Year Fixed Rate home loan has an annual percentage rate of 5.12%.\n",
        "notes.txt": "Branch notes\n\nThe branch opens at 7 in the morning and closes at 5 in the afternoon. "
                     "Loan officers work in two shifts.\n"})
    one = answer(r, "What is the annual percentage rate of the 1 Year Fixed Rate home loan?")
    assert not one.abstained and "4.24%" in one.text, (one.notes, one.text)
    seven = answer(r, "What is the annual percentage rate of the 7 Year Fixed Rate home loan?")
    assert seven.abstained and any("never mentions '7'" in n for n in seven.notes), (seven.notes, seven.text)


KIND = Path(__file__).resolve().parent / "data" / "kind"


def test_the_noun_after_what_names_the_answers_kind_not_its_focus():
    key = key_terms("what religion is westminster abbey")
    assert key.kind == {"religion"} and key.focus != "religion"
    abbey = {"westminst": {"abbey": 1.0}, "abbei": {"abbey": 1.0}}  # in every chunk of a 4-chunk article
    assert not_in_documents(key, abbey, {"abbey": 4}) is None  # it may name the religion without the word
    assert key_terms("which law was used to restrict the media").kind == {"law"}
    assert key_terms("what area code is 949").kind == {"area", "code"}
    # "the capital of" is what is asked about, not a kind: still required
    assert key_terms("what is the capital of Kyrgyzstan").kind == frozenset()


def test_a_document_that_never_says_the_asked_for_kind_still_answers(tmp_path, embedder):
    from qa import Retriever, build_index

    build_index(KIND, tmp_path / "index", embedder=embedder)
    r = Retriever.load(tmp_path / "index", embedder=embedder)
    assert max(r.document_chunks().values()) >= 3  # long enough to show a subject
    a = answer(r, "what religion is westminster abbey")
    assert not a.abstained, (a.notes, a.confidence)
    assert answer(r, "what is the population of westminster abbey").abstained  # the focus, never said


def test_a_quarterly_report_names_its_quarter_by_the_year_to_date(tmp_path, embedder):
    from qa.answer.periods import fiscal_quarters

    assert fiscal_quarters("for the three- and nine-month periods ended June 28, 2025") == ["q3"]
    assert fiscal_quarters("the three and six months ended March 31, 2024") == ["q2"]
    assert fiscal_quarters("the first nine months of 2025") == []  # no quarter reported beside it
    r = small_folder(tmp_path, embedder, {
        "acme-10q.txt": "Acme Inc. quarterly report on Form 10-Q\n\n"
                        "Provision for income taxes and effective tax rate for the three- and nine-month periods "
                        "ended June 28, 2025 and June 29, 2024, were as follows. Effective tax rate: three months "
                        "ended June 28, 2025: 16.4%; June 29, 2024: 15.9%. Nine months ended June 28, 2025: 15.4%; "
                        "June 29, 2024: 15.8%. The higher rate came from foreign currency revaluations.\n"})
    a = answer(r, "What was Acme's effective tax rate for the fourth quarter of 2025?")
    assert a.abstained and any("another period" in n and "fourth quarter" in n for n in a.notes), a.notes
    assert not answer(r, "What was Acme's effective tax rate for the third quarter of 2025?").abstained


UNSAID = Path(__file__).resolve().parent / "data" / "unsaid"


def test_words_of_one_family_come_from_the_bundled_model():
    from qa.answer.family import family

    assert {"conviction", "sentenced"} <= set(family("convicted"))
    assert "died" in family("die") and "die" not in family("die")
    assert family("fine") == ()  # "fines" 0.43, "ok" 0.44: below FAMILY_SIMILARITY
    assert family("xqzv") == ()  # no whole word piece: no family


def test_a_long_document_that_never_says_what_was_asked_needs_the_second_threshold(tmp_path, embedder):
    """tests/data/unsaid (written for this test, no real case): an urgent action on a killing that
    never says "convicted" nor a word of its family but says "imprisoned", and a court bulletin that
    says "convicted" and "jailed"."""
    from qa import Retriever, build_index
    from qa.answer.reply import gather, unsaid_reason
    from qa.answer.support import FOCUS_MIN_CHUNKS, UNSAID_BELOW
    from qa.config import ChunkerSettings, Settings

    settings = Settings(chunker=ChunkerSettings(chunk_tokens=64, overlap_tokens=8))  # short chunks: a long document
    build_index(UNSAID, tmp_path / "index", settings=settings, embedder=embedder)
    r = Retriever.load(tmp_path / "index", settings=settings, embedder=embedder)
    sizes = {d.source: r.document_chunks()[d.doc_id] for d in r.documents()}
    assert sizes["urgent-action-rosa-ixcot.txt"] >= FOCUS_MIN_CHUNKS

    def pool(question):
        passages = r.search(question, k=3)
        assert {p.source for p in passages} == {"urgent-action-rosa-ixcot.txt"}
        return gather(r, question, question, passages)

    convicted = pool("Who was convicted of the murder of Rosa Ixcot?")
    note = "The documents found never mention 'convicted' or a word like it (other documents do)."
    assert convicted.unsaid == note
    assert unsaid_reason(convicted, UNSAID_BELOW - 0.01) == note  # abstains below the second threshold
    assert unsaid_reason(convicted, UNSAID_BELOW) is None  # a confident answer stands
    # "imprisoned" is of the family of "jailed": the document may say it in other words
    assert pool("Who was jailed for the murder of Rosa Ixcot?").unsaid is None
    # the focus said: nothing to say
    assert pool("When was Rosa Ixcot shot dead?").unsaid is None
