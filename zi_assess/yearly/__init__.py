"""Year over year: start an assessment from last year's, compare years, follow a unit's trend."""
