"""Terraform: the CLI and providers built offline (`toolchain`), one way to run the CLI
(`runner`), and the stacks a run applies and tears down (`stacks`)."""
