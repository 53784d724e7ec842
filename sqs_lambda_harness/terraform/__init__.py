"""Terraform: the CLI and providers built offline (`toolchain`, compiled by `gobuild`), one way
to run the CLI (`runner`), and the stacks a run applies and tears down (`stacks`, with their
names and tags in `naming` and the apply slots and resource cap its workers share in `slots`)."""
