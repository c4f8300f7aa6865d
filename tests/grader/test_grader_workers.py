"""How many test processes a grade starts (aifund/grader/run.py, workers_for): a few selected items get one
process, where a second would only add its start-up (importing torch, collecting, its own worker)."""
from aifund.grader.run import ITEMS_PER_WORKER, workers_for
from aifund.spec import load_items


def test_a_small_selection_gets_one_process_and_the_whole_suite_every_core():
    assert workers_for(["act.relu.values"]) == 1
    assert workers_for(["act.sigmoid.values", "act.relu.values"]) == 1
    assert workers_for(None) >= 64 and workers_for([]) >= 64


def test_a_prefix_counts_every_item_it_selects():
    act = [i for i in load_items() if i.startswith("act.")]
    assert len(act) > ITEMS_PER_WORKER
    assert workers_for(["act."]) == -(-len(act) // ITEMS_PER_WORKER)
