package parquetfile

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// FuzzRowSpool reads arbitrary bytes as a row spool of shipments: every
// row either decodes or is errCorruptSpool, never a panic or a read
// outside the spool (back-references included).
func FuzzRowSpool(f *testing.F) {
	c, err := newRowCodec(reflect.TypeFor[schema.ShipmentRecord]())
	if err != nil {
		f.Fatal(err)
	}
	var spool []byte
	for i := range 3 {
		r := schema.ShipmentRecord{HSCode: "851762", Source: "panjiva", SourceURI: "file:///inbox/a.xlsx",
			SourceSHA256: "ab12ab12", Sheet: "Sheet1", SourceRow: int64(i), Shipper: ptr("ACME CO"), HSCodes: []string{"851762"}}
		spool = c.append(spool, unsafe.Pointer(&r), int64(len(spool)))
	}
	f.Add(spool, uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, start uint16) {
		if len(data) == 0 {
			return
		}
		inData := func(v string) bool {
			if v == "" {
				return true
			}
			lo, hi := uintptr(unsafe.Pointer(&data[0])), uintptr(unsafe.Pointer(&data[len(data)-1]))
			p := uintptr(unsafe.Pointer(unsafe.StringData(v)))
			return p >= lo && p+uintptr(len(v))-1 <= hi
		}
		dec := &decoder{c: c, data: data, slabLen: 4}
		// Rows at a few offsets from start, as the sorted writer reads them.
		for off := min(int(start), len(data)-1); off < len(data) && off < int(start)+8; off++ {
			var r schema.ShipmentRecord
			if err := dec.read(data[off:], unsafe.Pointer(&r)); err != nil {
				if err != errCorruptSpool {
					t.Fatalf("offset %d: error %v, want errCorruptSpool", off, err)
				}
				continue
			}
			strs := []string{r.HSCode, r.Source, r.SourceURI, r.SourceSHA256, r.Sheet}
			for _, p := range []*string{r.BillOfLading, r.Shipper, r.Consignee, r.OriginCountry,
				r.DestinationCountry, r.PortOfLading, r.PortOfUnlading, r.GoodsDescription} {
				if p != nil {
					strs = append(strs, *p)
				}
			}
			strs = append(strs, r.HSCodes...)
			for _, v := range strs {
				if !inData(v) {
					t.Fatalf("offset %d: string %q points outside the spool", off, v)
				}
			}
		}
	})
}
