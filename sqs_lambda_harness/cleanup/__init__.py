"""What a run leaves behind is found and removed: the ledger of stacks a run could not destroy,
the sweeper that deletes tagged, prefixed resources, and the tags that mark them (`tags`)."""
