"""Graph pictures: DOT text, kinds and colours, determinism, cutting big graphs, rendering."""

import re
from pathlib import Path

import graphviz
import numpy as np
import pytest

import autograd
from autograd import Value, dot, sum_values, topological_order
from autograd.viz import KIND_STYLES, DotNotFoundError, GraphPicture, draw_dot, draw_graph, render_svg, save


def _lines(graph):
    return [line.strip() for line in graph.source.splitlines()]


def _node_line(graph, node_id):
    (line,) = [line for line in _lines(graph) if line.startswith(f"{node_id} [")]
    return line


def _edges(graph):
    return [line for line in _lines(graph) if " -> " in line]


def _product_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    c.backward()
    return draw_graph(c)


def test_product_graph_has_exact_nodes_edges_labels_and_colours():
    graph = _product_graph()
    assert _lines(graph) == [
        "digraph {",
        "graph [rankdir=LR]",
        "node [fontsize=11]",
        'edge [fontcolor="#555555" fontsize=9]',
        'v0 [label="{ a | data 2 | grad -3 }" fillcolor="#fdd9b5" shape=Mrecord style=filled]',
        'v1 [label="{ b | data -3 | grad 2 }" fillcolor="#fdd9b5" shape=Mrecord style=filled]',
        'v2 [label="{ c | data -6 | grad 1 }" fillcolor="#c7e9c0" penwidth=2 shape=record '
        'style="filled,bold"]',
        'v2_op [label="*" fontsize=10 shape=ellipse]',
        "v0 -> v2_op [label=0]",
        "v1 -> v2_op [label=1]",
        "v2_op -> v2",
        "}",
    ]


def test_draw_dot_is_the_micrograd_name_and_both_are_exported():
    assert draw_dot is draw_graph
    assert autograd.draw_graph is draw_graph and autograd.draw_dot is draw_graph
    assert isinstance(_product_graph(), graphviz.Digraph)


def test_a_plus_a_draws_two_edges_with_argument_positions():
    a = Value(1.5, label="a")
    b = a + a
    b.backward()
    graph = draw_graph(b)
    assert _edges(graph) == ["v0 -> v1_op [label=0]", "v0 -> v1_op [label=1]", "v1_op -> v1"]
    assert "grad 2" in _node_line(graph, "v0")


def test_subtraction_edges_say_which_side_each_input_is_on():
    x, y = Value(5.0, label="x"), Value(1.0, label="y")
    graph = draw_graph(y - x)
    assert "{ y | data 1" in _node_line(graph, "v0")  # parents are visited in order: y, x
    assert "{ x | data 5" in _node_line(graph, "v1")
    assert "v0 -> v2_op [label=0]" in _edges(graph)
    assert "v1 -> v2_op [label=1]" in _edges(graph)
    assert 'label="-"' in _node_line(graph, "v2_op")


def test_dot_node_names_weights_inputs_and_bias():
    w = [Value(0.2, label="w1"), Value(0.3, label="w2")]
    out = dot(w, [0.35, 0.7], bias=Value(0.1, label="b"))
    graph = draw_graph(out)
    labels = sorted(re.findall(r"\[label=(\w+)\]", "\n".join(_edges(graph))))
    assert labels == ["bias", "w0", "w1", "x0", "x1"]
    assert "label=dot" in graph.source


def test_unary_ops_have_unlabelled_edges_and_their_names_on_the_op_node():
    x = Value(0.5, label="x")
    graph = draw_graph(x.tanh().exp())
    assert _edges(graph) == ["v0 -> v1_op", "v1_op -> v1", "v1 -> v2_op", "v2_op -> v2"]
    assert "label=tanh" in _node_line(graph, "v1_op")
    assert "label=exp" in _node_line(graph, "v2_op")


def test_kinds_have_distinct_styles():
    styles = {tuple(sorted(style.items())) for style in KIND_STYLES.values()}
    assert len(styles) == len(KIND_STYLES)
    assert len({style["fillcolor"] for style in KIND_STYLES.values()}) == len(KIND_STYLES)


def test_constants_parameters_intermediates_and_output_are_coloured_by_kind():
    w = Value(3.0, label="w")
    h = w * 2.0  # the 2.0 becomes a constant node
    out = h + 1.0
    graph = draw_graph(out)
    order = topological_order(out)
    expected = {w: "parameter", order[1]: "constant", h: "intermediate", out: "output"}
    for node, kind in expected.items():
        line = _node_line(graph, f"v{order.index(node)}")
        assert f'fillcolor="{KIND_STYLES[kind]["fillcolor"]}"' in line, (kind, line)
        assert f"shape={KIND_STYLES[kind]['shape']}" in line


def test_given_parameters_make_other_user_leaves_inputs():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    out = w * x
    graph = draw_graph(out, parameters=[w])
    assert KIND_STYLES["parameter"]["fillcolor"] in _node_line(graph, "v0")
    assert KIND_STYLES["input"]["fillcolor"] in _node_line(graph, "v1")
    graph = draw_graph(out, inputs=[x])
    assert KIND_STYLES["parameter"]["fillcolor"] in _node_line(graph, "v0")
    assert KIND_STYLES["input"]["fillcolor"] in _node_line(graph, "v1")


def test_legend_lists_only_the_kinds_present():
    w = Value(3.0, label="w")
    graph = draw_graph(w * 2.0, legend=True)
    legend_nodes = re.findall(r"^\s*legend_(\w+) \[", graph.source, flags=re.MULTILINE)
    assert legend_nodes == ["parameter", "constant", "output"]
    assert "subgraph cluster_legend" in graph.source
    assert "legend_input" not in draw_graph(w * 2.0).source


def test_show_grad_false_hides_gradients_and_digits_sets_precision():
    x = Value(1 / 3, label="x")
    y = x * 3.0
    y.backward()
    assert "grad" not in draw_graph(y, show_grad=False).source
    assert "data 0.3333 " in draw_graph(y).source
    assert "data 0.33333333 " in draw_graph(y, digits=8).source


def test_labels_mapping_overrides_or_adds_names():
    x, y = Value(1.0), Value(2.0, label="y")
    out = x + y
    graph = draw_graph(out, labels={x: "first", y: "second", out: "total"})
    assert "{ first | data 1" in graph.source
    assert "{ second | data 2" in graph.source
    assert "{ total | data 3" in graph.source


def test_record_special_characters_in_labels_are_escaped_and_render():
    x = Value(1.0, label='a|b {c} <d> "e" \\f')
    graph = draw_graph(x * 2.0)
    assert r"{ a\|b \{c\} \<d\> \"e\" \\f | data 1" in graph.source
    svg = render_svg(graph)
    assert "a|b {c} &lt;d&gt;" in svg


def test_top_to_bottom_layout_lays_record_fields_side_by_side():
    x = Value(1.0, label="x")
    graph = draw_graph(x.exp(), rankdir="TB")
    assert "rankdir=TB" in graph.source
    assert 'label="x | data 1 | grad 0"' in graph.source


def test_batched_values_show_a_summary():
    xs = Value(np.array([1.0, 2.0, 3.0, 10.0]), label="xs")
    small = Value(np.array([0.5, 1.5]), label="small")
    w = Value(2.0, label="w")
    loss = (xs * w).sum() + (small * w).sum()
    loss.backward()
    graph = draw_graph(loss)
    assert "{ xs | data 4 samples, mean 4, range [1, 10] | grad 4 samples, mean 2, range [2, 2] }" in (
        graph.source
    )
    assert "{ small | data [0.5, 1.5] | grad [2, 2] }" in graph.source
    assert "{ w | data 2 | grad 18 }" in graph.source
    assert "sum over batch" in graph.source


def test_same_expression_built_twice_gives_identical_source():
    def build():
        a, b = Value(0.3, label="a"), Value(-1.2, label="b")
        c = (a * b + a).tanh() * b + 2.0
        d = sum_values([c, a, c * c])
        d.backward()
        return draw_graph(d, legend=True)

    first, second = build(), build()
    assert first.source == second.source
    ids = set(re.findall(r"^\s*(\w+) \[", first.source, flags=re.MULTILINE)) - {"graph", "node", "edge"}
    assert all(re.fullmatch(r"v\d+(_op)?|legend_\w+", node_id) for node_id in ids)


def test_node_ids_follow_the_topological_order():
    a = Value(1.0, label="a")
    out = (a * 2.0 + a).exp()
    graph = draw_graph(out)
    for i, node in enumerate(topological_order(out)):
        assert f"data {node.data:.4g}" in _node_line(graph, f"v{i}")


def test_large_graph_is_cut_with_a_note_instead_of_hanging():
    x = Value(1.0, label="x")
    y = x
    for _ in range(25_000):
        y = y * 1.0
    total = len(topological_order(y))  # 50,001 values
    graph = draw_graph(y, max_nodes=10)
    values = re.findall(r"^\s*v\d+ \[", graph.source, flags=re.MULTILINE)
    assert len(values) == 10
    assert f'more [label="... {total - 10} more nodes not drawn"' in graph.source
    assert any(line.startswith("more -> ") and "dashed" in line for line in _lines(graph))
    assert f"v{total - 1} [" in graph.source  # the output is always kept
    assert "<svg" in render_svg(graph)


def test_graph_at_the_limit_is_not_cut():
    x = Value(1.0)
    y = x * 2.0  # x, the constant, y
    assert "more nodes" not in draw_graph(y, max_nodes=3).source
    assert "... 1 more node not drawn" in draw_graph(y, max_nodes=2).source


def test_bad_arguments_raise_clear_errors():
    x = Value(1.0)
    with pytest.raises(TypeError, match="needs a Value"):
        draw_graph(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_graph(x, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes must be a positive integer"):
        draw_graph(x, max_nodes=0)
    with pytest.raises(ValueError, match="digits must be a positive integer"):
        draw_graph(x, digits=0)


def test_svg_rendering_with_dot_contains_the_values():
    svg = render_svg(_product_graph())
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for text in ("data 2", "grad &#45;3", "data &#45;6", "*"):
        assert text in svg


def test_jupyter_inline_repr_is_svg():
    bundle = _product_graph()._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert "<svg" in bundle["image/svg+xml"]


def test_render_and_save_write_files(tmp_path):
    graph = _product_graph()
    written = graph.render(tmp_path / "product", format="svg")
    assert written.endswith("product.svg")
    assert "<svg" in (tmp_path / "product.svg").read_text()
    png = save(graph, tmp_path / "product.png")
    assert Path(png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert save(graph, tmp_path / "noext").endswith("noext.svg")


def test_missing_dot_says_how_to_install_it_and_source_still_works(monkeypatch, tmp_path):
    graph = _product_graph()
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot anywhere
    for attempt in (
        lambda: render_svg(graph),
        lambda: graph._repr_mimebundle_(),
        lambda: graph.render(tmp_path / "out", format="svg"),
        lambda: save(graph, tmp_path / "out.png"),
        lambda: render_svg(graphviz.Digraph(body=["a -> b"])),  # a plain Digraph too
    ):
        with pytest.raises(DotNotFoundError) as info:
            attempt()
        message = str(info.value)
        for hint in ("apt-get install graphviz", "brew install graphviz", "conda install graphviz"):
            assert hint in message
        assert isinstance(info.value, graphviz.ExecutableNotFound)  # old except clauses still catch it
    assert "v0 -> v2_op" in graph.source


def test_picture_is_a_graph_picture_subclass_of_digraph():
    graph = _product_graph()
    assert type(graph) is GraphPicture
    assert isinstance(graph.copy(), GraphPicture)


def test_several_outputs_are_drawn_together_each_as_an_output():
    x = Value(0.5, label="x")
    shared = x * 3.0
    first, second = shared.tanh(), shared.exp()
    graph = draw_graph([first, second])
    order = topological_order(first) + [second]
    output_fill = KIND_STYLES["output"]["fillcolor"]
    assert output_fill in _node_line(graph, f"v{len(order) - 2}")
    assert output_fill in _node_line(graph, f"v{len(order) - 1}")
    assert graph.source.count(output_fill) == 2
    assert graph.source.count('label="{ x | data 0.5') == 1  # the shared part is drawn once
    assert draw_graph((first, second)).source == graph.source


def test_empty_or_mixed_output_lists_are_rejected():
    with pytest.raises(TypeError, match="non-empty list of Values"):
        draw_graph([])
    with pytest.raises(TypeError, match="non-empty list of Values"):
        draw_graph([Value(1.0), 2.0])  # type: ignore[list-item]


def test_a_lone_leaf_is_the_output_and_non_finite_numbers_are_shown():
    graph = draw_graph(Value(1.0, label="only"))
    assert _lines(graph)[4:] == [
        'v0 [label="{ only | data 1 | grad 0 }" fillcolor="#c7e9c0" penwidth=2 shape=record '
        'style="filled,bold"]',
        "}",
    ]
    source = draw_graph(Value(float("nan")) * Value(float("inf"))).source
    assert "{ data nan | grad 0 }" in source and "{ data inf | grad 0 }" in source
