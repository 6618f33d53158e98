"""The shared synthetic GRU (``conftest.synthetic_gru``) is good enough to analyse."""


def test_the_shared_gru_solves_the_synthetic_language(synthetic_gru):
    cell = synthetic_gru
    assert cell.test_acc > 0.95
    assert cell.bow_test_acc < cell.test_acc - 0.05      # context matters: BoW cannot do it
