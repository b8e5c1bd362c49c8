"""Issue 12 probe: the propagation's graph in the meta-learned embedding.

Before meta-training a graph end to end (the Transductive Propagation Network's
embedding, learned through the spreading in the episode loss), this asks whether the
meta-learned embedding, as it is, is a better space to link pixels than the plugin's fixed
one. The plugin's space is PCA of the standardised 3x3-mean bands to unit total variance,
plus map position. Here the spectral part is the network's 32-d embedding of the same
pixels, through the same PCA to unit total variance (``emb``). A third variant, ``mix``,
takes half of each. Position is unchanged, and so are the anchors, prior, spreading and
extension. Each variant is scored as the plugin runs it, kept only when the support k-fold
says so (``checked_*``), and propagated always (``always_*``).

K=5, points and polygons, draws 0/1/3/4, leave-one-scene-out fold models::

    .venv/bin/python scripts/experiments/embedding_graph_probe.py /tmp/embgraph.jsonl

``METAMAPPER_GRAPH_MODELS=DIR`` takes the graph's embedding from DIR's fold model of the
scene's group (``graph_metatrain_probe.py``), the classifier still from the shipped fold
model.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import probe_runner  # noqa: E402  (sets up the package path)

_GRAPH_NET: dict = {}


def _graph_embed(clf):
    """The embedding the graph is built in: the classifier's, or DIR's fold model's."""
    import os

    import torch
    from metamapper.core.evaluate import _model_for
    from metamapper.core.metatrain.scenes import load_scenes
    from metamapper.core.model import bundled_model_path, load_model

    where = os.environ.get("METAMAPPER_GRAPH_MODELS")
    if not where:
        return clf.embed
    name = probe_runner.SCENE[0]
    if _GRAPH_NET.get("name") != name:
        scene = load_scenes([name])[0][0]
        path = Path(where) / _model_for(scene, bundled_model_path(), probe_runner.FOLDS).name
        _GRAPH_NET.update(name=name, net=load_model(path).net.eval())
    net = _GRAPH_NET["net"]
    d = clf.input_dim
    return lambda x: net(torch.as_tensor(x)[:, :d])


def _variants(task, loaded, cfg) -> dict:
    import numpy as np
    import torch
    from metamapper.core.propagation import GraphSpace

    d = probe_runner.plugin_draw(task, loaded, cfg)
    p = d.p
    embed = _graph_embed(p.clf)
    with torch.no_grad():
        p_ind = p.clf.predict_proba(d.xq).float()
        eu = embed(d.xu[p.anchor_rows]).float()
        es = embed(d.xs).float()
        eq = embed(d.xq).float()
    out = {"inductive": p_ind.argmax(1).numpy()}
    choice = d.choose(cfg)
    out["default"] = (choice.propagation.probabilities(d.zq, *d.qpos) if choice.propagation
                      else p_ind).argmax(1).numpy()
    espace = GraphSpace.fit(eu, (0.0, 0.0), 1.0, cfg.dims, 0.0)
    graph = {"u": p.region_x, "s": p.support_x, "q": p.space(d.zq, *d.qpos)}
    spec = {n: x[:, :-2] for n, x in graph.items()}
    pos = {n: x[:, -2:] for n, x in graph.items()}
    emb = {"u": espace(eu, torch.zeros(len(eu)), torch.zeros(len(eu)))[:, :-2],
           "s": espace(es, torch.zeros(len(es)), torch.zeros(len(es)))[:, :-2],
           "q": espace(eq, torch.zeros(len(eq)), torch.zeros(len(eq)))[:, :-2]}
    half = np.sqrt(0.5)
    spaces = {
        "emb": {n: torch.cat([emb[n], pos[n]], 1) for n in "usq"},
        "mix": {n: torch.cat([half * spec[n], half * emb[n], pos[n]], 1) for n in "usq"},
    }
    for name, x in spaces.items():
        def extend(rp, xq=x["q"]):
            k = min(rp.neighbours, rp.anchors.shape[0])
            d2 = torch.cdist(xq, rp.anchors).pow(2)
            dk, idx = torch.topk(d2, k, dim=1, largest=False)
            w = torch.exp(-dk / rp.sigma2)
            return (w[:, :, None] * rp.labels[idx]).sum(1).argmax(1).numpy()

        ch = d.choose(cfg, region_x=x["u"], support_x=x["s"])
        always = d.choose(cfg, region_x=x["u"], support_x=x["s"], check=False).propagation
        out[f"always_{name}"] = extend(always)
        out[f"checked_{name}"] = (extend(ch.propagation) if ch.propagation is not None
                                  else out["inductive"])
    return out


METHODS = ("default", "inductive", "always_emb", "checked_emb", "always_mix", "checked_mix")


if __name__ == "__main__":
    probe_runner.main(partial(probe_runner.run_variants, compute=_variants, names=METHODS),
                      probe_runner.print_summary)
