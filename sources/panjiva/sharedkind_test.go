package panjiva

import (
	"reflect"
	"testing"

	"github.com/tradepipe/tradepipe/internal/panjivagen"
)

// A workbook whose text is in the shared strings table, as Excel writes
// it, reads to exactly the shipments, rejects and counters of the same
// rows written as inline strings, and to what the generator says a correct
// reader makes of them.
func TestSharedStringsWorkbookMatchesInline(t *testing.T) {
	dir := t.TempDir()
	inline, shared := dir+"/inline.xlsx", dir+"/shared.xlsx"
	st, err := panjivagen.WriteFile(inline, panjivagen.Options{Rows: 6000, Seed: 7, QuirkShare: 0.01, TitleRows: true, Sheets: 2})
	if err != nil {
		t.Fatal(err)
	}
	n, err := panjivagen.ToSharedStrings(inline, shared)
	if err != nil {
		t.Fatal(err)
	}
	if n < 6000 {
		t.Fatalf("%d shared strings for 6000 rows", n)
	}
	a, err := parseFile(t, Options{}, inline)
	if err != nil {
		t.Fatal(err)
	}
	b, err := parseFile(t, Options{}, shared)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ships) != st.Published || len(b.ships) != st.Published {
		t.Fatalf("%d and %d shipments, want %d", len(a.ships), len(b.ships), st.Published)
	}
	for i := range a.ships {
		x, y := *a.ships[i], *b.ships[i]
		x.SourceURI, y.SourceURI = "", ""
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("shipment %d:\ninline %+v\nshared %+v", i, x, y)
		}
	}
	if len(a.rejects) != len(b.rejects) {
		t.Fatalf("%d and %d rejects", len(a.rejects), len(b.rejects))
	}
	for i := range a.rejects {
		x, y := *a.rejects[i], *b.rejects[i]
		x.SourceURI, y.SourceURI = "", ""
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("reject %d:\ninline %+v\nshared %+v", i, x, y)
		}
	}
	if !reflect.DeepEqual(a.counters, b.counters) {
		t.Errorf("counters %v and %v", a.counters, b.counters)
	}
}
