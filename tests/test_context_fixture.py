"""A small GRU solves the synthetic sentiment language, negators and intensifiers included:
the shared GRU (``conftest.synthetic_gru``, trained once per session by ``train_cell``) that
the analysis, context and figure tests then take apart."""


def test_the_shared_gru_solves_the_synthetic_language(synthetic_gru):
    cell = synthetic_gru
    assert cell.test_acc > 0.95
    assert cell.bow_test_acc < cell.test_acc - 0.05      # context matters: BoW cannot do it
