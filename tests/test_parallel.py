"""--workers N: one pool of processes reads and embeds (each worker with its own one-thread model),
and what it builds is what one process builds; Ray's reading tasks are sized to spread the work."""

from __future__ import annotations

import multiprocessing

import numpy as np

from qa import build_index
from qa.answer.sentences import chunk_vectors
from qa.config import Settings
from qa.distributed import FILES_PER_TASK, group_size
from qa.embedding import make_embedder, resolve_model
from qa.pipeline import MIN_TEXTS_FOR_POOL, PoolRunner, worker_embedder

from test_scale import SENTENCES, corpus, index_files


def test_the_pool_embeds_in_its_workers_what_this_process_would():
    settings = Settings()
    embedder = make_embedder(resolve_model(settings.model), settings.backend)
    texts = [" ".join(SENTENCES[i:i + 3]) for i in range(MIN_TEXTS_FOR_POOL + 8)]
    runner = PoolRunner(embedder, settings, 2, embed_in_pool=True)
    assert not multiprocessing.active_children()
    try:
        vectors, sentences = runner.embed(texts)
        assert len(multiprocessing.active_children()) == 2  # the workers embedded
    finally:
        runner.close()
    assert not multiprocessing.active_children()
    want, want_sentences = chunk_vectors(texts, embedder, settings.batch_size)
    assert vectors.shape == want.shape and np.abs(vectors - want).max() < 1e-5
    assert len(sentences) == len(want_sentences)
    for (spans, got), (want_spans, want_vectors) in zip(sentences, want_sentences):
        assert np.array_equal(spans, want_spans) and np.allclose(got, want_vectors, rtol=0, atol=1e-5)


def test_a_few_chunks_or_a_given_embedder_embed_in_this_process():
    settings = Settings()
    embedder = make_embedder(resolve_model(settings.model), settings.backend)
    few = PoolRunner(embedder, settings, 2, embed_in_pool=True)
    given = PoolRunner(embedder, settings, 2, embed_in_pool=False)
    try:
        few.embed(SENTENCES[:MIN_TEXTS_FOR_POOL - 1])
        given.embed(SENTENCES[:MIN_TEXTS_FOR_POOL + 1])
        assert not multiprocessing.active_children()  # no pool was started
    finally:
        few.close()
        given.close()


def test_a_worker_model_runs_one_thread_and_gives_the_same_vectors():
    settings = Settings()
    one = worker_embedder(settings.model, settings.backend, settings.device)
    default = make_embedder(resolve_model(settings.model), settings.backend)
    assert one._session.get_session_options().intra_op_num_threads == 1
    assert np.abs(one.encode(SENTENCES[:8]) - default.encode(SENTENCES[:8])).max() < 1e-5


def test_a_pool_build_with_the_real_model_equals_a_one_process_build(tmp_path):
    seeds = tmp_path / "seeds"
    corpus(seeds, 40)
    one = build_index(seeds, tmp_path / "one", workers=1)
    two = build_index(seeds, tmp_path / "two", workers=2)
    assert one.embedded_chunks == two.embedded_chunks == two.chunks >= MIN_TEXTS_FOR_POOL
    a, b = index_files(tmp_path / "one"), index_files(tmp_path / "two")
    assert a["chunks"] == b["chunks"] and a["entries"] == b["entries"]
    assert np.abs(a["vectors"] - b["vectors"]).max() < 1e-5
    assert np.abs(a["sentences"] - b["sentences"]).max() < 1e-5


def test_ray_reading_tasks_spread_a_small_folder_over_every_cpu():
    assert group_size(100_000, 2) == FILES_PER_TASK  # a big folder: full groups
    assert group_size(60, 2) == 1                    # a few dozen scanned PDFs: one a task
    assert group_size(0, 4) == 1
    assert all(group_size(n, 2) * 2 <= max(n, 2) for n in range(1, 200))  # never one group for two CPUs
