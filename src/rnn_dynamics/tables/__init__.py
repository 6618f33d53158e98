"""Summary tables across the grid, with the papers' numbers beside ours."""
