"""What a run proved, for people and machines: the evidence a test records (`evidence`, public),
the run report (`report`: JSON, terminal summary), its HTML page (`html`, drawn by the `html_*`
section modules with `report.css` inlined), and the fidelity matrix across targets
(`fidelity`)."""
