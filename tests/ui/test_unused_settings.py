"""Settings that do not matter with the others as they are are greyed out."""


def test_a_setting_used_only_with_another_is_greyed_out_otherwise(qtbot, window):
    window.sidebar.choose("geometry.resize")
    widgets = window.param_panel.widgets
    assert widgets["scale"].isEnabled() and not widgets["width"].isEnabled() and not widgets["height"].isEnabled()
    combo = widgets["mode"].combo
    combo.setCurrentIndex(combo.findData("size"))
    combo.activated.emit(combo.currentIndex())  # as a click on the item does
    assert not widgets["scale"].isEnabled() and widgets["width"].isEnabled() and widgets["height"].isEnabled()
    assert window.param_panel.values()["mode"] == "size"

    window.sidebar.choose("restore.denoise_cnn")
    widgets = window.param_panel.widgets
    assert not widgets["strength"].isEnabled()  # Auto measures it
    widgets["auto"].check.click()  # as a click on the box does
    assert widgets["strength"].isEnabled()


def test_a_setting_cannot_depend_on_a_parameter_the_operation_lacks():
    import pytest

    from editor.operations import Operation
    from editor.params import FloatParam
    from processing.tone import brightness_contrast

    with pytest.raises(ValueError, match="not another parameter"):
        Operation("test.bc", "Brightness", "Tone", brightness_contrast,
                  (FloatParam("brightness", "Brightness", minimum=-1, maximum=1, used_when=("auto", True)),))
