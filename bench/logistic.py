"""The answer scorer's fits (bench/fit_answer.py): L2-regularised logistic regressions on standardised
features, a conditional logit over each question's candidates, and one weight added to a fitted model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer.scorer import Logistic, sigmoid  # noqa: E402

L2 = 1.0


def fit_logistic(x: np.ndarray, y: np.ndarray, names, l2: float = L2, w: np.ndarray | None = None) -> Logistic:
    """L2-regularised logistic regression by Newton's method on standardised features."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.ones(len(x)) if w is None else w
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(50):
        p = sigmoid(z @ beta)
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-7:
            break
    return Logistic(tuple(names), mean, scale, beta[:-1], float(beta[-1]))


def fit_conditional(groups: list[tuple[np.ndarray, np.ndarray]], names, l2: float = L2,
                    w: np.ndarray | None = None) -> Logistic:
    """Conditional logit: maximise the softmax share of the answer-holding candidates of each question
    (`w`: each question's weight, default 1)."""
    from scipy.optimize import minimize

    x = np.vstack([g for g, _ in groups])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (x - mean) / scale
    y = np.concatenate([g_y for _, g_y in groups]).astype(float)
    starts = np.cumsum([0] + [len(g) for g, _ in groups[:-1]])
    group = np.repeat(np.arange(len(groups)), [len(g) for g, _ in groups])
    w = np.ones(len(groups)) if w is None else np.asarray(w, dtype=np.float64)

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        s = z @ beta
        e = np.exp(s - np.maximum.reduceat(s, starts)[group])
        total, positive = np.add.reduceat(e, starts), np.add.reduceat(e * y, starts)
        p = e / total[group]
        q = e * y / positive[group]
        value = -(w * np.log(positive / total)).sum() + 0.5 * l2 * beta @ beta
        return float(value), (w[group] * (p - q)) @ z + l2 * beta

    beta = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    return Logistic(tuple(names), mean, scale, beta, 0.0)


def fit_one(kept: Logistic, x: np.ndarray, y: np.ndarray, name: str, l2: float = L2,
            w: np.ndarray | None = None) -> Logistic:
    """`kept` with only `name`'s weight fitted (Newton's method, the kept weights' logit as an offset,
    L2 as fit_logistic's): one input added to a fitted model without moving the others."""
    j = kept.names.index(name)
    mean, scale = float(x[:, j].mean()), float(x[:, j].std()) or 1.0
    means, scales, weights = kept.mean.copy(), kept.scale.copy(), kept.weights.copy()
    means[j], scales[j], weights[j] = mean, scale, 0.0
    base = Logistic(kept.names, means, scales, weights, kept.bias)
    offset, z = base.logits(x), (x[:, j] - mean) / scale
    w = np.ones(len(x)) if w is None else w
    beta = 0.0
    for _ in range(50):
        p = sigmoid(offset + beta * z)
        step = (float(z @ (w * (p - y))) + l2 * beta) / (float((w * p * (1 - p)) @ (z * z)) + l2)
        beta -= step
        if abs(step) < 1e-9:
            break
    weights[j] = beta
    return Logistic(kept.names, means, scales, weights, kept.bias)
