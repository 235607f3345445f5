"""fmdecon.measurement as a library: its outputs and plot load on first use."""

from __future__ import annotations

import pytest

import fmdecon
import fmdecon.measurement as fm


def test_outputs_load_on_first_use():
    from fmdecon.measurement import outputs, plot

    assert fm.to_dataset is outputs.to_dataset
    assert fm.csv_text is outputs.csv_text
    assert fm.render_plot is plot.render_plot
    assert fm.measure is fmdecon.measure
    assert set(fm.__all__) <= set(dir(fm))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = fm.nope
