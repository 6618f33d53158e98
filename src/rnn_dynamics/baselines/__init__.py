"""Non-recurrent baselines."""
