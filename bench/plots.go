//go:build linux

package main

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Plots the report links, written next to it.
const (
	nsPlotFile     = "benchmarks-ns-per-drop.png"
	windowPlotFile = "benchmarks-window.png"
)

// plotNsPerDrop draws the probe's run time per drop against the series a
// storm's drops spread over: medians, and each round's figure as a dot.
func plotNsPerDrop(path string, sweep []sweepPoint) error {
	p := plot.New()
	p.Title.Text = "Probe run time per drop (defaults + netns + local_port, TCP storm)"
	p.X.Label.Text = "series the drops spread over"
	p.Y.Label.Text = "ns per drop (run_time_ns / run_cnt)"
	medians, rounds := make(plotter.XYs, len(sweep)), plotter.XYs{}
	for i, pt := range sweep {
		medians[i] = plotter.XY{X: float64(pt.series), Y: spreadOf(pt.ns).median}
		for _, ns := range pt.ns {
			rounds = append(rounds, plotter.XY{X: float64(pt.series), Y: ns})
		}
	}
	if err := plotutil.AddLinePoints(p, "median", medians); err != nil {
		return err
	}
	if err := plotutil.AddScatters(p, "each round", rounds); err != nil {
		return err
	}
	p.Y.Min = 0
	return save(p, path)
}

// plotWindows draws what one window's swap and read take against its
// series, on this machine's CPUs and with the read emulated for more, and
// what the plugin takes for the whole window.
func plotWindows(path string, costs []windowCost, render []renderCost) error {
	p := plot.New()
	p.Title.Text = "One window: swap and read (probe.Window), and all of it in the plugin"
	p.X.Label.Text = "series in the window"
	p.Y.Label.Text = "ms per window"
	lines := map[string]plotter.XYs{}
	var names []string
	for _, t := range windowTotals(costs) {
		name := fmt.Sprintf("%d possible CPUs (this machine)", t.cpus)
		if t.emulated {
			name = fmt.Sprintf("%d possible CPUs (read emulated)", t.cpus)
		}
		if _, ok := lines[name]; !ok {
			names = append(names, name)
		}
		lines[name] = append(lines[name], plotter.XY{X: float64(t.series), Y: t.ns / 1e6})
	}
	var vs []any
	for _, name := range names {
		vs = append(vs, name, lines[name])
	}
	whole := make(plotter.XYs, len(render))
	for i, rc := range render {
		whole[i] = plotter.XY{X: float64(rc.series), Y: spreadOf(rc.ns).median / 1e6}
	}
	if len(whole) > 0 {
		vs = append(vs, "the plugin's whole window, this machine (Gather + line protocol)", whole)
	}
	if err := plotutil.AddLinePoints(p, vs...); err != nil {
		return err
	}
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	return save(p, path)
}

// save writes p with the series on a log scale, which 1 to 4,096 need.
func save(p *plot.Plot, path string) error {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	if err := p.Save(16*vg.Centimeter, 10*vg.Centimeter, path); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return nil
}
