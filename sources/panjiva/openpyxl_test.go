package panjiva

import (
	"strings"
	"testing"
)

// testdata/openpyxl_export.xlsx was written by openpyxl, not excelize
// (testdata/make_openpyxl.py): datetime cells with a number format, text
// dates, entities in text, a second sheet and a notes sheet.
func TestOpenpyxlWorkbook(t *testing.T) {
	m, err := parseFile(t, Options{}, "testdata/openpyxl_export.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		sheet, bol, date, origin, dest, codes, value, consignee, goods string
		kg, teu                                                        any
		srcRow                                                         int64
	}
	want := []row{
		{"US Imports", "OPX001", "2021-03-05", "CN", "US", "847130", "25000.50", "Acme & Sons", "LAPTOPS", 1200.0, 1.0, 5},
		{"US Imports", "OPX002", "2021-03-31", "VN", "US", "020130", "1234.50", "Acme & Sons", "BEEF <frozen>", nil, nil, 6},
		{"US Imports", "OPX003", "2021-04-02", "DE", "US", "847130,940360", "-100.00", "", "MIXED", 2500.0, 2.0, 7},
		{"More", "", "2021-05-20", "KR", "", "020130", "77.70", "", "", nil, nil, 2},
	}
	if len(m.ships) != len(want) {
		t.Fatalf("%d shipments, want %d", len(m.ships), len(want))
	}
	for i, w := range want {
		s := m.ships[i]
		got := row{s.Sheet, s.BillOfLading, s.ShipmentDate.String(), s.OriginCountry, s.DestinationCountry,
			strings.Join(s.HSCodes, ","), cents(t, s.ValueUSD), s.Consignee, s.GoodsDescription, deref(s.WeightKg), deref(s.TEU), s.SourceRow}
		if got != w {
			t.Errorf("shipment %d:\n got %+v\nwant %+v", i, got, w)
		}
	}
	if m.counters[CounterFROBDropped] != 1 || m.counters[CounterSheetsSkipped] != 1 || m.counters[CounterUnknownColumns] != 1 {
		t.Errorf("counters = %v", m.counters)
	}
	if len(m.rejects) != 1 || m.rejects[0].ReasonCode != "bad_date" || m.rejects[0].Row != 9 || m.rejects[0].RawCells[1] != "sometime" {
		t.Errorf("rejects = %+v", m.rejects)
	}
}
