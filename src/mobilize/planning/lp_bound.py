"""A bound from linear programming: the LP relaxation of our own CP-SAT model, by HiGHS.

The model of `model.py` is read back from its protocol buffer, so no rule is written twice:
every linear constraint, implication (`bool_and`), clause (`bool_or`) and at-most-one becomes
a row, every variable a column between its bounds; constraints with an enforcement literal
on a linear sum are left out (dropping a constraint keeps the relaxation valid). Integral
objective coefficients let the LP optimum be rounded up.

Why this is at least as strong as the LP relaxation of the plain time-indexed model (a Boolean
per unit, place and day): a fractional solution per segment, repeated on each of its days, is
a fractional solution of the daily model with the same objective, so the segment LP's least
value is at least the daily LP's; and the segment model has the same integer optimum
(`segments`). It also carries the counting floors of `bounds` (redundant constraints of the
model), so it is never below the counting bound of a segment.

HiGHS's interior point method (with crossover) is used: it finishes where dual simplex stalls
on these degenerate LPs (docs/benchmarks.md). One thread and a deterministic method give the
same bound from run to run; the time limit is a safety stop (a stopped LP gives no bound: 0).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import highspy
import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model

from mobilize.planning.highs import LpBound, Rows, new_highs, solve_for_bound
from mobilize.planning.instance import PlanningInstance
from mobilize.planning.model import build_model
from mobilize.planning.segments import Segment

INT64_LIMIT = 2**62  # CP-SAT writes unbounded domain ends as +-2**63 - 1


def lp_shortfall_bound(instance: PlanningInstance, parts: list[Segment], seconds: float) -> LpBound:
    """The LP relaxation of the shortfall level of the whole model."""
    built = build_model(instance, parts)
    built.model.minimize(built.levels["shortfall"])
    return lp_bound(built.model, seconds)


def lp_bound(model: cp_model.CpModel, seconds: float) -> LpBound:
    """The least value of `model`'s objective over its LP relaxation, rounded up."""
    proto = _proto(model)
    highs = new_highs(seconds, "ipm")
    _add_columns(highs, proto)
    rows = _rows(proto)
    rows.add_to(highs)
    solved, value = solve_for_bound(highs, proto.objective.offset)
    return LpBound(value, solved, highs.getRunTime(), len(proto.variables), len(rows.lower))


def _proto(model: cp_model.CpModel) -> cp_model_pb2.CpModelProto:
    """The model as a plain protocol buffer (the wrapper's own view is not meant for reading
    repeated fields in bulk)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.pb"
        model.export_to_file(str(path))
        proto: cp_model_pb2.CpModelProto = cp_model_pb2.CpModelProto.FromString(path.read_bytes())
        return proto


def _bound(value: int) -> float:
    return math.inf if value >= INT64_LIMIT else -math.inf if value <= -INT64_LIMIT else value


def _add_columns(highs: highspy.Highs, proto: cp_model_pb2.CpModelProto) -> None:
    count = len(proto.variables)
    costs = np.zeros(count)
    for var, coeff in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        costs[var] += coeff
    lower = np.array([_bound(v.domain[0]) for v in proto.variables])
    upper = np.array([_bound(v.domain[-1]) for v in proto.variables])
    highs.addCols(count, costs, lower, upper, 0, np.array([]), np.array([]), np.array([]))


def _literal(literal: int, terms: dict[int, float], sign: float = 1.0) -> float:
    """Add `sign * literal` to `terms`; the constant it brings (a negated literal is 1 - x)."""
    if literal >= 0:
        terms[literal] = terms.get(literal, 0.0) + sign
        return 0.0
    var = -literal - 1
    terms[var] = terms.get(var, 0.0) - sign
    return sign


def _clause(literals: list[int]) -> tuple[dict[int, float], float]:
    """At least one of `literals` true, as `terms >= 1 - constant`."""
    terms: dict[int, float] = {}
    constant = sum(_literal(literal, terms) for literal in literals)
    return terms, 1.0 - constant


def _rows(proto: cp_model_pb2.CpModelProto) -> Rows:
    rows = Rows()
    for constraint in proto.constraints:
        kind = constraint.WhichOneof("constraint")
        # an enforced constraint holds or one of its enforcement literals is false
        unless = [-e - 1 for e in constraint.enforcement_literal]
        if kind == "bool_or":
            terms, least = _clause([*constraint.bool_or.literals, *unless])
            rows.add(terms, least, math.inf)
        elif kind == "bool_and":
            for literal in constraint.bool_and.literals:
                terms, least = _clause([literal, *unless])
                rows.add(terms, least, math.inf)
        elif kind in ("at_most_one", "exactly_one") and not unless:
            literals = getattr(constraint, kind).literals
            terms = {}
            constant = sum(_literal(literal, terms) for literal in literals)
            least = 1.0 - constant if kind == "exactly_one" else -math.inf
            rows.add(terms, least, 1.0 - constant)
        elif kind == "linear" and not unless:
            linear = constraint.linear
            terms = {}
            for var, coeff in zip(linear.vars, linear.coeffs, strict=True):
                terms[var] = terms.get(var, 0.0) + coeff
            rows.add(terms, _bound(linear.domain[0]), _bound(linear.domain[-1]))
    return rows
