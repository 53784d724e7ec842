"""What a run proved, for people and machines: the run report (JSON, terminal summary), the
HTML page, and the fidelity matrix across targets."""
