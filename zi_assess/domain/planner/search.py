"""The exact search: the cheapest choice of one move per indicator that meets every rule.

Every rule of a predicate reads a sum of indicator nilai (an area, an aspect-area, pengungkit,
H1, the total …), and these sums nest: two rules' indicator sets are disjoint or one contains the
other. So the rules form a tree, and a node's rule depends only on the total gain of the
indicators under it. Bottom-up, each node keeps its **frontier**: for every reachable key (see
below), the largest gain its indicators can reach while meeting every rule inside the node —
the points of a staircase, key rising, gain strictly rising. Children's frontiers are combined
pairwise (every key sum, the dominated points dropped), then the node's own rule cuts the
points whose gain is too small. The root's first point is the optimum. A point is dropped only
when another reaches at least its gain for at most its key, so nothing better is ever lost:
the result is exact, not a heuristic. Gains are integers (exact nilai × a common denominator).

Order of plans: least total cost, then fewest indicators changed, then the largest nilai gained,
then criteria order (the plan whose earliest differing change comes first). Cost and changed
count are folded into one additive key, ``cost × weight + changed`` with ``weight`` above any
possible count, so comparing keys compares (cost, changed) lexicographically.

The search runs twice. First on cost alone, without tracking the changes and with gains capped
where more cannot help any rule above: quick, and it gives the optimal cost and each node's own
minimum cost. Then on the full key, where no node may spend more than the optimal cost less
what the rest of the tree must spend at least.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: (indicator position, move index), sorted by position
Changes = tuple[tuple[int, int], ...]
#: (key, gain, changes)
Point = tuple[int, int, Changes]
#: per indicator position: (cost, gain) of each move, lowest first
Options = dict[int, list[tuple[int, int]]]


@dataclass
class RuleNode:
    """One set of indicators with a rule (or the root); ``need`` is the gain its rules require."""

    members: frozenset[int]
    need: int
    children: list[RuleNode] = field(default_factory=list)
    loose: list[int] = field(default_factory=list)
    #: the node's least cost meeting its rules (from the cost-only pass)
    min_cost: int = 0


def rule_tree(universe: frozenset[int], needs: list[tuple[frozenset[int], int]]) -> RuleNode:
    """The rules' indicator sets as a tree (equal sets merge, keeping the larger need).

    Raises ValueError if two sets overlap without one containing the other: the search relies
    on the rules nesting, as every criteria version's rules do (areas, pengungkit, hasil rows).
    """
    merged: dict[frozenset[int], int] = {universe: 0}
    for members, need in needs:
        merged[members] = max(merged.get(members, need), need)
    root = RuleNode(universe, merged.pop(universe))
    for members, need in sorted(merged.items(), key=lambda kv: (-len(kv[0]), min(kv[0], default=-1))):
        parent = root
        while True:
            inner = next((c for c in parent.children if members <= c.members), None)
            if inner is None:
                break
            parent = inner
        if any(members & c.members for c in parent.children):
            raise ValueError("the predicate's rules overlap without nesting")
        parent.children.append(RuleNode(members, need))
    _assign_loose(root)
    return root


def _assign_loose(node: RuleNode) -> None:
    covered: set[int] = set()
    for child in node.children:
        _assign_loose(child)
        covered |= child.members
    node.loose = sorted(node.members - covered)


def _leaf(position: int, moves: list[tuple[int, int]], weight: int) -> list[Point]:
    points: list[Point] = [(0, 0, ())]
    points += [(cost * weight + 1, gain, ((position, m),)) for m, (cost, gain) in enumerate(moves)]
    points.sort(key=lambda p: (p[0], -p[1], p[2]))
    out: list[Point] = []
    for point in points:
        if not out or point[1] > out[-1][1]:
            out.append(point)
    return out


def _merge(a: list[Point], b: list[Point], bound: int) -> list[Point]:
    """Every combination of a point of ``a`` and one of ``b`` with a key ≤ ``bound``, dominated ones dropped."""
    candidates = []
    for i, (key_a, gain_a, _c) in enumerate(a):
        room = bound - key_a
        if room < 0:
            break
        for j, (key_b, gain_b, _d) in enumerate(b):
            if key_b > room:
                break
            candidates.append((key_a + key_b, -gain_a - gain_b, i, j))
    candidates.sort()
    out: list[Point] = []
    best = -1
    for key, negative, i, j in candidates:
        gain = -negative
        if gain > best:
            out.append((key, gain, tuple(sorted(a[i][2] + b[j][2]))))
            best = gain
        elif gain == best and out[-1][0] == key:  # a tie on key and gain: criteria order decides
            changes = tuple(sorted(a[i][2] + b[j][2]))
            if changes < out[-1][2]:
                out[-1] = (key, gain, changes)
    return out


def _solve(node: RuleNode, options: Options, weight: int, budget: int) -> list[Point]:
    """The node's frontier, without the points that cost more than ``budget``."""
    parts: list[tuple[int, RuleNode | None, int]] = [(c.min_cost, c, -1) for c in node.children]
    parts += [(0, None, i) for i in node.loose]
    floor_rest = sum(c.min_cost for c in node.children)
    front: list[Point] = [(0, 0, ())]
    for min_cost, child, position in sorted(parts, key=lambda p: p[0]):
        floor_rest -= min_cost
        if child is None:
            points = _leaf(position, options.get(position, []), weight)
        else:
            points = _solve(child, options, weight, budget - sum(c.min_cost for c in node.children if c is not child))
        # what is merged so far may spend the budget less what the parts still to come must spend
        front = _merge(front, points, (budget - floor_rest) * weight + weight - 1)
        if not front:
            return []
    return [p for p in front if p[1] >= node.need]


def _merge_costs(a: list[tuple[int, int]], b: list[tuple[int, int]], cap: int) -> list[tuple[int, int]]:
    """:func:`_merge` on cost alone, without changes, gains above ``cap`` counted as ``cap``."""
    best: dict[int, int] = {}
    get = best.get
    for cost_a, gain_a in a:
        for cost_b, gain_b in b:
            gain = gain_a + gain_b
            if gain >= cap:
                if get(cost_a + cost_b, -1) < cap:
                    best[cost_a + cost_b] = cap
                break  # the rest of b costs more for no more gain
            if get(cost_a + cost_b, -1) < gain:
                best[cost_a + cost_b] = gain
        if gain_a >= cap:
            break
    out: list[tuple[int, int]] = []
    for cost in sorted(best):
        if not out or best[cost] > out[-1][1]:
            out.append((cost, best[cost]))
    return out


def _min_costs(node: RuleNode, options: Options, cap: int) -> list[tuple[int, int]]:
    """The cost-only pass: the node's (cost, gain) frontier; sets ``min_cost`` of it and below.

    Gains are capped where more is of no use: beyond the node's cap, less what its siblings must
    gain anyway, a child's gain adds nothing to any rule above it.
    """
    front = [(0, 0)]
    for child in node.children:
        others = sum(max(0, c.need) for c in node.children if c is not child)
        points = _min_costs(child, options, max(child.need, cap - others))
        if not points:
            return []
        front = _merge_costs(front, points, cap)
    for position in node.loose:
        leaf = [(0, 0)] + [(cost, min(cap, gain)) for cost, gain in options.get(position, [])]
        front = _merge_costs(front, sorted(leaf, key=lambda p: (p[0], -p[1])), cap)
    front = [p for p in front if p[1] >= node.need]
    if front:
        node.min_cost = front[0][0]
    return front


def search(root: RuleNode, options: Options) -> Point | None:
    """The best plan's point ``(key, gain, changes)``, or None when the rules cannot all be met.

    ``options`` gives the moves of every indicator that can move; ``changes`` lists the chosen
    (indicator position, move index); ``divmod(key, key_weight(options))`` is (cost, changed).
    """
    if not _min_costs(root, options, max(0, root.need)):
        return None
    front = _solve(root, options, key_weight(options), root.min_cost)
    return front[0] if front else None


def key_weight(options: Options) -> int:
    """The multiplier of cost in the search key: above the number of indicators that can change."""
    return sum(1 for moves in options.values() if moves) + 1
