"""The API refuses numbers that would exhaust memory or time, as the CLI does."""
from __future__ import annotations

import pandas as pd
import pytest

from civictext._check import MAX_STABILITY_SEEDS, max_jobs
from civictext.errors import ModelError, ParameterError
from civictext.text.segmentation import tokenize
from civictext.topics.model import topic_stability

ARTS = pd.DataFrame({"doc_id": ["a"], "text": ["Cải cách hành chính."]})


@pytest.mark.parametrize("n_jobs", [max_jobs() + 1, 99999, 0, -2, True])
def test_tokenize_refuses_absurd_worker_counts(n_jobs):
    with pytest.raises(ParameterError, match="n_jobs"):
        tokenize(ARTS, n_jobs=n_jobs, cache=False)


def test_topic_stability_refuses_too_many_or_bad_seeds():
    with pytest.raises(ModelError, match=f"at most {MAX_STABILITY_SEEDS}"):
        topic_stability(ARTS, seeds=range(MAX_STABILITY_SEEDS + 1))
    with pytest.raises(ParameterError, match="seeds"):
        topic_stability(ARTS, seeds=(0, -1))
