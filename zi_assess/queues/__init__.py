"""Work queues of the TPI, the TPN and managers: search, filters, sort, paging, deadlines,
current scores, and what changed since the user last looked."""
