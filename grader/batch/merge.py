"""``grade merge``: the outputs of a class graded in shards (``grade batch --shard K/N``), as one.

Each shard's ``results.json`` records the whole class's learner ids and which shard it is, so
the merge can put the learners back in the class's order, notice a missing shard or learner, and
refuse parts that were graded differently (another grader or check version, seed or language):
their scores would not be comparable. The merged gradebooks are byte-identical to one unsharded
``grade batch`` of the same class.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grader.messages import Localized, message_ref
from grader.outputs import CLASS_WRITERS
from grader.results import ClassResult, LearnerResult

#: What every part must agree on for its scores to sit in one gradebook.
SAME_IN_EVERY_PART = ("grader_version", "exercise_versions", "seed", "language")


class MergeError(Localized):
    """Parts that cannot be merged; the message says which and why."""


def read_part(folder: str | os.PathLike) -> ClassResult:
    """A shard's results (``results.json`` in ``folder``, or that file itself)."""
    path = Path(folder)
    if path.is_dir():
        path = path / CLASS_WRITERS["json"].filename
    try:
        return ClassResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise MergeError("instructor.merge_not_found", path=str(path)) from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MergeError("instructor.merge_not_results", path=str(path), error=str(exc)) from None


def merge_results(parts: Sequence[ClassResult], names: Sequence[str] = ()) -> tuple[ClassResult, list[str]]:
    """One class from its shards, in the class's learner order; and the problems that leave it
    incomplete (a missing shard, a learner no part graded, a part that was interrupted).

    Raises :class:`MergeError` for parts that do not belong together. ``names`` label the parts
    in messages (default: their position).
    """
    if not parts:
        raise MergeError("instructor.merge_nothing")
    labels = list(names) or [f"part {i + 1}" for i in range(len(parts))]
    first = parts[0]
    for label, part in zip(labels[1:], parts[1:]):
        if part.exercises != first.exercises or part.max_points != first.max_points:
            raise MergeError(
                "instructor.merge_other_exercises", label=label, exercises=", ".join(part.exercises), first=labels[0]
            )
        for key in SAME_IN_EVERY_PART:
            if part.provenance.get(key) != first.provenance.get(key):
                raise MergeError("instructor.merge_differ", label=label, first=labels[0], key=key)
        if _class(part).get("learners") != _class(first).get("learners"):
            raise MergeError("instructor.merge_other_class", label=label, first=labels[0])
    problems: list[str] = []
    shards = [tuple(_class(part).get("shard", (1, 1))) for part in parts]
    total = shards[0][1] if shards else 1
    if any(n != total for _, n in shards):
        raise MergeError("instructor.merge_shard_counts", shards=", ".join(f"{k}/{n}" for k, n in shards))
    seen_shards: dict[int, str] = {}
    for label, (k, _) in zip(labels, shards):
        if k in seen_shards:
            raise MergeError("instructor.merge_same_shard", label=label, other=seen_shards[k], shard=f"{k}/{total}")
        seen_shards[k] = label
    missing = [f"{k}/{total}" for k in range(1, total + 1) if k not in seen_shards]
    if missing:
        problems.append(message_ref("instructor.merge_missing_shards", shards=", ".join(missing)))
    by_learner: dict[str, LearnerResult] = {}
    for label, part in zip(labels, parts):
        if not part.complete:
            problems.append(message_ref("instructor.merge_interrupted", label=label))
        for learner in part.learners:
            if learner.learner in by_learner:
                raise MergeError("instructor.merge_learner_twice", learner=learner.learner, label=label)
            by_learner[learner.learner] = learner
    order = list(_class(first).get("learners") or sorted(by_learner))
    ungraded = [name for name in order if name not in by_learner]
    if ungraded and not missing:
        problems.append(
            message_ref("instructor.merge_ungraded", count=len(ungraded), learners=", ".join(ungraded[:10]))
        )
    provenance = {key: value for key, value in first.provenance.items() if key not in ("started", "finished")}
    provenance["class"] = {"learners": order, "shard": [1, 1], "merged_from": len(parts)}
    times = [part.provenance for part in parts]
    provenance["started"] = min((p.get("started", "") for p in times), default="")
    provenance["finished"] = max((p.get("finished", "") for p in times), default="")
    provenance["workers"] = sum(int(p.get("workers", 0) or 0) for p in times)
    provenance.pop("roster", None)  # each part's roster notes saw a shard only: --roster reconciles again
    if any(p.get("deadline") for p in times):
        provenance["deadline"] = _merged_deadline(times, labels)
    if any(p.get("similarity") for p in times):
        provenance["similarity"] = _merged_similarity(times)
    merged = ClassResult(
        learners=[by_learner[name] for name in order if name in by_learner],
        exercises=list(first.exercises),
        max_points=dict(first.max_points),
        provenance=provenance,
        duration_s=max(part.duration_s for part in parts),
        complete=not problems,
    )
    return merged, problems


def _class(part: ClassResult) -> dict:
    value = part.provenance.get("class")
    return value if isinstance(value, dict) else {}


def merge_and_write(
    folders: Sequence[str | os.PathLike],
    out: str | os.PathLike,
    formats: Sequence[str],
    context: Any = None,
    *,
    roster: Any = None,
    stream: Any = None,
) -> tuple[ClassResult, list[str]]:
    """``grade merge``'s one library call: read each shard's outputs folder, merge, write ``formats``
    into ``out`` in the context's language (messages rendered again from their ids when the class was
    graded in another). Raises :class:`MergeError` (and writes nothing) for parts that do not belong together.
    ``roster``: as ``grade batch --roster`` (learners on one side only are printed on ``stream``)."""
    from grader.batch.out_folder import write_outputs
    from grader.checking.localize import localized_class
    from grader.outputs import WriteContext

    context = context or WriteContext()
    parts = [read_part(folder) for folder in folders]
    merged, problems = merge_results(parts, [str(folder) for folder in folders])
    language = context.catalogue.language
    if merged.provenance.get("language", language) != language:
        merged = localized_class(merged, language)
    if roster is not None:
        from dataclasses import replace

        from grader.batch.roster import reconcile
        from grader.outputs.sanitize import ci_log

        merged, notes = reconcile(merged, roster)
        for note in notes:
            if stream is not None:
                stream.write(f"roster: {ci_log(note)}\n")
        context = replace(context, roster=roster)
    write_outputs(merged, out, formats, context)
    return merged, problems


def _merged_deadline(provenances: Sequence[dict], labels: Sequence[str]) -> dict:
    """The parts' ``--due`` records joined (each part chose commits for its own learners)."""
    first = provenances[0].get("deadline") or {}
    learners: dict = {}
    for label, provenance in zip(labels, provenances):
        deadline = provenance.get("deadline") or {}
        if any(deadline.get(key) != first.get(key) for key in ("due", "late_penalty", "graded")):
            raise MergeError("instructor.merge_other_deadline", label=label, first=labels[0])
        learners.update(deadline.get("learners") or {})
    return {**first, "learners": learners}


def _merged_similarity(provenances: Sequence[dict]) -> dict:
    """The parts' ``--similarity`` pairs together (each part compared its own learners only), highest first."""
    records = [p.get("similarity") for p in provenances if isinstance(p.get("similarity"), dict)]
    exercises: dict[str, list] = {}
    for record in records:
        for exercise, pairs in (record.get("exercises") or {}).items():
            exercises.setdefault(exercise, []).extend(pairs if isinstance(pairs, list) else [])
    for pairs in exercises.values():
        pairs.sort(key=lambda pair: -float(pair.get("score", 0)) if isinstance(pair, dict) else 0)
    merged = {**records[0], "exercises": exercises} if records else {"exercises": exercises}
    merged["scope"] = "within each shard"
    return merged
