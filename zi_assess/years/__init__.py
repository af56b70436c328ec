"""The evaluation year: deadlines per workflow step (the proposal window among them) and proposal quotas."""
