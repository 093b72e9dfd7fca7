package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
	"github.com/tradepipe/tradepipe/sources/census"
)

type counter struct {
	rows        int
	rejects     []string
	partners    map[string]int
	consumption int
}

func (c *counter) TradeFlow(f *schema.TradeFlow) error {
	c.rows++
	c.partners[f.Partner]++
	if f.ConsumptionValueUSD != nil {
		c.consumption++
	}
	return nil
}
func (c *counter) TradeTotal(*schema.TradeTotal) error { return nil }
func (c *counter) Shipment(*schema.Shipment) error     { return nil }
func (c *counter) Reject(r *schema.Rejected) error {
	c.rejects = append(c.rejects, r.ReasonCode+": "+r.Reason)
	return nil
}
func (c *counter) Count(string, int64) {}
func (c *counter) Warn(string)         {}

// Generated responses are what the census source reads from the API: every
// row normalises, for both flows, and the partners are many and uneven.
func TestGeneratedResponsesParse(t *testing.T) {
	for _, flow := range []string{"export", "import"} {
		dir := t.TempDir()
		if err := run(dir, flow, "2019-12", 2, 3000, 0.2, true, 1, "../../internal/reference/census_schedule_c.csv"); err != nil {
			t.Fatal(err)
		}
		src, err := census.New(census.Options{Flow: flow, AllPartners: true, Level: "HS10"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.json.gz"))
		if len(files) != 2 || filepath.Base(files[1]) != flow+"s-hs10-all-2020-01.json.gz" {
			t.Fatalf("files %v", files)
		}
		c := &counter{partners: map[string]int{}}
		for _, f := range files {
			if err := src.Parse(t.Context(), &sources.Release{URI: f, Path: f}, c); err != nil {
				t.Fatal(err)
			}
		}
		if len(c.rejects) > 0 {
			t.Fatalf("%s: %d rejects, first %s", flow, len(c.rejects), c.rejects[0])
		}
		if want := map[string]int{"export": 0, "import": c.rows}[flow]; c.consumption != want {
			t.Errorf("%s: %d of %d rows have a consumption value, want %d", flow, c.consumption, c.rows, want)
		}
		if c.rows < 5000 || len(c.partners) < 100 {
			t.Fatalf("%s: %d rows over %d partners", flow, c.rows, len(c.partners))
		}
		counts := slices.Sorted(maps.Values(c.partners))
		if median := counts[len(counts)/2]; c.partners["CA"] < 10*median {
			t.Errorf("%s: Canada %d rows, the median partner %d: partner sizes are not skewed", flow, c.partners["CA"], median)
		}
	}
}

// Runs with one seed give the same bytes.
func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if err := run(d, "export", "2015-01", 1, 500, 1, false, 3, "../../internal/reference/census_schedule_c.csv"); err != nil {
			t.Fatal(err)
		}
	}
	x, err := os.ReadFile(filepath.Join(a, "exports-hs10-all-2015-01.json"))
	if err != nil {
		t.Fatal(err)
	}
	y, _ := os.ReadFile(filepath.Join(b, "exports-hs10-all-2015-01.json"))
	if string(x) != string(y) {
		t.Fatal("same seed, different output")
	}
	var rows [][]string
	if err := json.Unmarshal(x, &rows); err != nil || len(rows) < 2 || rows[0][0] != "E_COMMODITY" {
		t.Fatalf("not an array of arrays of strings with the header first: %v", err)
	}
}
