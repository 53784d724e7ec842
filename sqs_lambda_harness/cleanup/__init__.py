"""What a run leaves behind is found and removed: the ledger of stacks a run could not destroy,
and the sweeper that deletes tagged, prefixed resources."""
