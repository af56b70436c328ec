"""Rencana aksi: turning the gap planner's cheapest path to a predicate into a unit's action plan."""
