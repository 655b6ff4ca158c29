"""Hybrid search on small real corpora with the real bundled model: what each half adds."""

from __future__ import annotations

import numpy as np
import pytest

from qa import Retriever, build_index
from qa.config import FusionSettings, Settings
from qa.fusion import fuse

from conftest import KLOOP_SENTENCE, SEED_FILE, write

# The name appears once, in passing, in a long passage about a media law; to the model
# "Kloop statement" reads like a loop statement in code. Only media-law.txt contains "Kloop".
NAMES = {
    "media-law.txt": "Parliament spent most of the spring session on amendments to the media law. The draft "
                     "requires every online outlet to register with the ministry of culture, lets officials "
                     "suspend a website for two months without a court order, and raises the fines for "
                     "publishing what it calls false information. Editors from several newsrooms, Kloop among "
                     "them, told the committee that the rules would make independent reporting on courts and "
                     "elections much harder and asked for the registration clause to be dropped. The ministry "
                     "replied that foreign-funded websites had spread rumours during the border conflict and "
                     "that the public had a right to accurate news. The bill passed its second reading in May "
                     "and was signed by the president in August.",
    "feedback.txt": "Engineers call it a feedback loop: part of a system's output is fed back into its input. "
                    "A thermostat is a simple closed loop, and an amplifier whose microphone hears its own "
                    "speaker is an unstable one.",
    "code.txt": "A for loop repeats a block of code once for each item in a list; a while loop keeps going "
                "until its condition is false, and an infinite loop never stops.",
    "knitting.txt": "To cast on, make a slip knot, put the loop on the needle and pull the yarn snug; each "
                    "new stitch is a loop drawn through the one before it.",
    "budget.txt": "The finance ministry presented next year's budget, with more spending on schools, roads "
                  "and hospitals and a smaller deficit than this year.",
}

# The bicycle document shares no word (after stemming and stop words) with the question;
# the two decoys share "flat" and "fix" with it.
PARAPHRASE = {
    "bike.txt": "Repairing a punctured bike wheel: lever the tyre off the rim, pull out the inner "
                "tube, find the hole and glue a patch over it.",
    "tax.txt": "Estonia introduced a flat income tax in 1994, one rate for every earner.",
    "mortgage.txt": "A fixed-rate mortgage keeps the same interest for the whole term of the loan.",
    "garden.txt": "Tomatoes need full sun, deep watering and a stake to climb.",
    "piano.txt": "Tuning a piano means adjusting the tension of each string with a tuning lever.",
}
PARAPHRASE_QUESTION = "how do I fix a flat on my cycle"

CYRILLIC = {
    "kg.txt": "Бишкектеги сот Kloop басылмасын жоюу жөнүндө чечим чыгарды. Журналисттер камакка алынды.",
    "ru.txt": "Весной в Караколе открылись новые кафе; туризм в Иссык-Кульской области вырос.",
    "en.txt": "The parliament of Kyrgyzstan adopted a law on foreign representatives in 2024.",
}


def _index(tmp_path, embedder, docs: dict[str, str]) -> Retriever:
    for name, text in docs.items():
        write(tmp_path / "docs", name, text)
    build_index(tmp_path / "docs", tmp_path / "index", embedder=embedder)
    return Retriever.load(tmp_path / "index", embedder=embedder)


def test_hybrid_finds_a_rare_name_that_dense_misses(tmp_path, embedder):
    retriever = _index(tmp_path, embedder, NAMES)
    query = "Kloop statement"
    assert retriever.search(query, k=1, mode="dense")[0].source == "code.txt"
    lexical = retriever.search(query, k=5, mode="lexical")
    assert [p.source for p in lexical] == ["media-law.txt"]
    top = retriever.search(query, k=3)
    assert top[0].source == "media-law.txt"
    assert top[0].lexical_score > 0 and top[0].dense_score < top[1].dense_score


def test_hybrid_finds_a_paraphrase_that_lexical_misses(tmp_path, embedder):
    retriever = _index(tmp_path, embedder, PARAPHRASE)
    lexical = retriever.search(PARAPHRASE_QUESTION, k=5, mode="lexical")
    assert lexical and "bike.txt" not in [p.source for p in lexical]
    assert retriever.search(PARAPHRASE_QUESTION, k=1, mode="dense")[0].source == "bike.txt"
    hybrid = retriever.search(PARAPHRASE_QUESTION, k=3)
    assert "bike.txt" in [p.source for p in hybrid]
    bike = next(p for p in hybrid if p.source == "bike.txt")
    assert bike.lexical_score == 0.0 and bike.dense_score > 0.3


def test_kloop_question_ranks_its_passage_first_in_every_mode(seed_index, embedder):
    retriever = Retriever.load(seed_index, embedder=embedder)
    for mode in ("hybrid", "dense", "lexical"):
        top = retriever.search("what happened to Kloop Media", k=3, mode=mode)[0]
        assert KLOOP_SENTENCE in top.text and top.source == SEED_FILE, mode


def test_cyrillic_corpus_is_searchable_lexically(tmp_path, embedder):
    retriever = _index(tmp_path, embedder, CYRILLIC)
    for query, source in (("журналисттер камакка", "kg.txt"), ("ТУРИЗМ Караколе", "ru.txt"),
                          ("басылмасын", "kg.txt")):
        hits = retriever.search(query, k=3, mode="lexical")
        assert hits[0].source == source and hits[0].lexical_score > 0, query
        assert len(hits) == 1, query  # the other documents share no word with the query
        assert retriever.search(query, k=1)[0].source == source, query


def test_hybrid_score_is_the_documented_fusion_of_the_three_rankings(seed_index, embedder):
    retriever = Retriever.load(seed_index, embedder=embedder)
    query = "ban on rallies and peaceful protest"
    n = retriever._gen.n_chunks
    dense = retriever.search(query, k=n, mode="dense")
    lexical = retriever.search(query, k=n, mode="lexical")
    hybrid = retriever.search(query, k=5)
    assert all(p.lexical_score == 0.0 for p in dense) and all(p.dense_score == 0.0 for p in lexical)
    fusion = retriever.settings.fusion
    dense_rank = {p.chunk_id: i for i, p in enumerate(dense[:fusion.candidates], start=1)}
    lex_rank = {p.chunk_id: i for i, p in enumerate(lexical[:fusion.candidates], start=1)}
    # the third ranking: the candidates of both by their nearest stored sentence, ties by row
    candidates = list({p.chunk_id: p for p in dense[:fusion.candidates] + lexical[:fusion.candidates]}.values())
    q = retriever.embed_query(query)
    nearest = {p.chunk_id: (-float(np.max(s.vectors @ q)), p.row)
               for p, s in zip(candidates, retriever.sentences(candidates))}
    sentence_rank = {c: i for i, c in enumerate(sorted(nearest, key=nearest.get), start=1)}
    share = fusion.sentence_share
    assert 0 < share < 1
    for p in hybrid:
        d = next(x for x in dense if x.chunk_id == p.chunk_id)
        assert p.dense_score == pytest.approx(d.score, abs=1e-6)
        if p.chunk_id in lex_rank:
            assert p.lexical_score == pytest.approx(lexical[lex_rank[p.chunk_id] - 1].score, abs=1e-6)
        expected = (fusion.dense_weight * (1 - share) / (fusion.rrf_k + dense_rank[p.chunk_id])
                    + (fusion.lexical_weight / (fusion.rrf_k + lex_rank[p.chunk_id])
                       if p.chunk_id in lex_rank else 0.0)
                    + fusion.dense_weight * share / (fusion.rrf_k + sentence_rank[p.chunk_id]))
        assert p.score == pytest.approx(expected, abs=1e-9)
    assert [p.score for p in hybrid] == sorted((p.score for p in hybrid), reverse=True)


def test_fuse_rrf_by_hand():
    fusion = FusionSettings(rrf_k=60, dense_weight=1.0, lexical_weight=1.0)
    fused = fuse([10, 20, 30], [30, 40], fusion)
    assert fused[0] == (30, pytest.approx(1 / 63 + 1 / 61))
    assert [row for row, _ in fused] == [30, 10, 20, 40]  # 20 and 40 tie at 1/62: lower row first
    assert dict(fused)[40] == pytest.approx(1 / 62)
    # a sentence ranking takes its share of the dense weight
    fused = dict(fuse([10, 20, 30], [30, 40], FusionSettings(sentence_share=0.25), [20, 30, 10]))
    assert fused[20] == pytest.approx(0.75 / 62 + 0.25 / 61)
    assert fused[30] == pytest.approx(0.75 / 63 + 1 / 61 + 0.25 / 62)


# One long paragraph about a council meeting, one sentence of it on the library's hours: its
# chunk vector is the question's farthest, while short texts that only brush the question
# (a late museum, a bakery's Thursdays) are near as wholes.
COUNCIL = {
    "council.txt": "The town council met on Monday to go through the spring agenda. Most of the evening went to "
                   "the road budget: the resurfacing of the ring road, two new roundabouts near the station and "
                   "the repair of the bridge over the canal, which has been closed to lorries since the flood. "
                   "Councillors argued over the cost of the roundabouts and asked the engineers for a second "
                   "estimate. The parks committee presented its plan for new trees along the river and a "
                   "playground behind the school. The council also agreed that the public library will stay open "
                   "until nine in the evening on Thursdays. The meeting closed with a report on waste collection, "
                   "which moves to a fortnightly round in June, and a vote to light the market square at "
                   "Christmas.",
    "library.txt": "The library lends books, films and board games to anyone with a card, and its reading room "
                   "is quiet.",
    "pool.txt": "Evening hours at the swimming pool change during the school holidays.",
    "museum.txt": "The museum welcomes visitors until late in the evening on weekdays.",
    "shop.txt": "The bakery on the high street closes early on Thursdays.",
}


def test_a_long_passage_is_found_by_its_one_sentence_on_the_question(tmp_path, embedder):
    retriever = _index(tmp_path, embedder, COUNCIL)
    query = "How late is the library open on Thursdays?"
    assert retriever.search(query, k=5, mode="dense")[-1].source == "council.txt"  # diluted
    hybrid = retriever.search(query, k=5)
    q = retriever.embed_query(query)
    nearest = {p.source: float(np.max(s.vectors @ q)) for p, s in zip(hybrid, retriever.sentences(hybrid))}
    assert max(nearest, key=nearest.get) == "council.txt"
    # BM25 puts it second, after the short museum text; with the sentence ranking it stays there,
    # where the two rankings alone let the bakery's Thursdays pass it
    assert [p.source for p in retriever.search(query, k=2, mode="lexical")][1] == "council.txt"
    assert [p.source for p in hybrid[:3]] == ["museum.txt", "council.txt", "shop.txt"]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_per_doc_keeps_the_order_and_caps_each_document(tmp_path_factory, embedder, mode):
    base = tmp_path_factory.mktemp("perdoc")
    docs = {"a.txt": " ".join(["Kloop Media reported on the arrests of journalists in Bishkek."] * 60),
            "b.txt": " ".join(["Journalists of Kloop Media were detained and questioned."] * 40),
            "c.txt": "Kloop Media is an independent news outlet."}
    retriever = _index(base, embedder, docs)
    full = retriever.search("Kloop Media journalists", k=50, mode=mode)
    assert len({p.source for p in full}) == 3 and len(full) > 4
    for cap in (1, 2):
        capped = retriever.search("Kloop Media journalists", k=50, mode=mode, per_doc=cap)
        expected, counts = [], {}
        for p in full:
            if counts.get(p.source, 0) < cap:
                counts[p.source] = counts.get(p.source, 0) + 1
                expected.append(p.chunk_id)
        assert [p.chunk_id for p in capped] == expected
    assert len(retriever.search("Kloop Media journalists", k=2, mode=mode, per_doc=1)) == 2
