"""Evidence (data dukung): files stored by content hash, links, attachment to indicators."""
