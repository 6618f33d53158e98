# rnn-dynamics: train RNNs on sentiment data and reverse-engineer their dynamics.
# Run:  snakemake --cores all                       (preset from config.yaml, default demo)
#       snakemake --cores all --config preset=quick data_dir=/path/to/archives
from snakemake.utils import min_version

min_version("9.0")

import sys

from rnn_dynamics.config import check_config_file
from rnn_dynamics.errors import ConfigError

try:
    check_config_file("config.yaml")      # a syntax error named by file and line
except ConfigError as _error:
    sys.stderr.write(f"rnn-dynamics: invalid configuration: {_error}\n")
    sys.exit(1)


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/context.smk"
include: "workflow/rules/integration.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        rules.tables.input,
        rules.figures.input,
        rules.integration_table.output if MULTICLASS_DATASETS else [],
    default_target: True
