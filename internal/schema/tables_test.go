package schema

import (
	"strings"
	"testing"
)

func TestEveryTableHasColumns(t *testing.T) {
	seen := map[string]bool{}
	for _, tbl := range Tables() {
		if seen[tbl.Name] {
			t.Errorf("table %s listed twice", tbl.Name)
		}
		seen[tbl.Name] = true
		cols, err := tbl.Columns()
		if err != nil {
			t.Error(err)
			continue
		}
		byName := map[string]Column{}
		for _, c := range cols {
			byName[c.Name] = c
		}
		for doc := range tbl.Docs {
			if _, ok := byName[doc]; !ok {
				t.Errorf("table %s documents %q, which is no column", tbl.Name, doc)
			}
		}
		for _, k := range tbl.PathKeys {
			c, isCol := byName[k.Name]
			if k.Column != isCol {
				t.Errorf("table %s path key %s: Column = %v, but it is a column: %v", tbl.Name, k.Name, k.Column, isCol)
			}
			if k.Column && (c.Type != TypeString || c.Nullable || k.IsInt()) {
				t.Errorf("table %s path key %s must be a required string column with values", tbl.Name, k.Name)
			}
		}
		// Docs become SQL string literals in every engine's DDL, and the
		// engines escape quotes differently: keep them out.
		texts := []string{tbl.Doc}
		for _, c := range cols {
			texts = append(texts, c.Doc)
		}
		for _, k := range tbl.PathKeys {
			texts = append(texts, k.Description)
		}
		for _, d := range texts {
			if d == "" || strings.ContainsAny(d, "'\"`\\\n") {
				t.Errorf("table %s: doc %q is empty or holds a quote, backslash or newline", tbl.Name, d)
			}
		}
		for _, s := range append(append([]string{}, tbl.SortBy...), tbl.Bloom...) {
			if _, ok := byName[s]; !ok {
				t.Errorf("table %s sorts or filters by %q, which is no column", tbl.Name, s)
			}
		}
	}
	for _, name := range []string{"trade_flows", "trade_totals", "shipments", "compliance", "quarantine_shipments"} {
		if !seen[name] {
			t.Errorf("no table %s", name)
		}
	}
}

func TestColumnTypes(t *testing.T) {
	tbl, err := TableNamed(DatasetTradeFlows)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := tbl.Columns()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Column{}
	for _, c := range cols {
		got[c.Name] = c
	}
	want := map[string]Column{
		"period":      {Type: TypeDate},
		"hs_level":    {Type: TypeInt32},
		"description": {Type: TypeString, Nullable: true},
		"value_usd":   {Type: TypeDecimal},
		"quantity":    {Type: TypeFloat64, Nullable: true},
		"ingested_at": {Type: TypeTimestamp},
	}
	for name, w := range want {
		if g := got[name]; g.Type != w.Type || g.Nullable != w.Nullable {
			t.Errorf("%s: %s nullable=%v, want %s nullable=%v", name, g.Type, g.Nullable, w.Type, w.Nullable)
		}
	}
	q, _ := TableNamed("quarantine_shipments")
	qc, err := q.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range qc {
		if c.Name == "raw_cells" && c.Type != TypeStringList {
			t.Errorf("raw_cells: %s", c.Type)
		}
	}
	if _, err := TableNamed("nope"); err == nil {
		t.Error("TableNamed(nope) succeeded")
	}
}
