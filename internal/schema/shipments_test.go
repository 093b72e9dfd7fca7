package schema

import (
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
)

func TestShipmentRecordFields(t *testing.T) {
	v := apd.New(123456, -2)
	w := 12.5
	s := &Shipment{
		ShipmentDate: civil.Date{Year: 2020, Month: 3, Day: 9}, BillOfLading: "BOL1", Shipper: "ACME",
		OriginCountry: "CN", HSCode: "847130", HSCodes: []string{"847130", "8471"}, ValueUSD: v, WeightKg: &w,
		Source: "panjiva", SourceURI: "file:///x.xlsx", SourceSHA256: "ab", Sheet: "Sheet1", SourceRow: 7,
	}
	rec, err := s.Record()
	if err != nil {
		t.Fatal(err)
	}
	if rec.BillOfLading == nil || *rec.BillOfLading != "BOL1" || rec.Shipper == nil || *rec.Shipper != "ACME" ||
		rec.OriginCountry == nil || *rec.OriginCountry != "CN" {
		t.Errorf("strings: %v %v %v", rec.BillOfLading, rec.Shipper, rec.OriginCountry)
	}
	// Empty strings are nulls.
	for name, p := range map[string]*string{"consignee": rec.Consignee, "destination": rec.DestinationCountry,
		"lading": rec.PortOfLading, "unlading": rec.PortOfUnlading, "goods": rec.GoodsDescription} {
		if p != nil {
			t.Errorf("%s = %q, want null", name, *p)
		}
	}
	if rec.ValueUSD == nil || *rec.ValueUSD != 123456 || rec.WeightKg != &w || len(rec.HSCodes) != 2 || rec.SourceRow != 7 {
		t.Errorf("record %+v", rec)
	}
}

// TestShipmentRecordAllocs: the optional strings point into the shipment
// instead of each being copied to the heap (one allocation a field a
// row); only the cents of a value take one.
func TestShipmentRecordAllocs(t *testing.T) {
	s := &Shipment{
		ShipmentDate: civil.Date{Year: 2020, Month: 3, Day: 9}, BillOfLading: "B", Shipper: "S", Consignee: "C",
		OriginCountry: "CN", DestinationCountry: "US", PortOfLading: "P", PortOfUnlading: "Q",
		HSCode: "847130", HSCodes: []string{"847130"}, GoodsDescription: "G",
	}
	var sink ShipmentRecord
	if n := testing.AllocsPerRun(100, func() { sink, _ = s.Record() }); n != 0 {
		t.Errorf("Record without a value: %v allocations, want 0", n)
	}
	s.ValueUSD = apd.New(5, 0)
	if n := testing.AllocsPerRun(100, func() { sink, _ = s.Record() }); n > 1 {
		t.Errorf("Record with a value: %v allocations, want at most 1", n)
	}
	_ = sink
}
