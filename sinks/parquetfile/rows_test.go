package parquetfile

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// fillRandom sets every field of the struct v points to from r: each pointer
// nil or set, each slice nil, empty or holding strings, so a kind the
// codec drops or mixes up shows as a difference.
func fillRandom(r *rand.Rand, v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		fillValue(r, f)
	}
}

func fillValue(r *rand.Rand, f reflect.Value) {
	switch f.Kind() {
	case reflect.Int32, reflect.Int64:
		f.SetInt(r.Int64N(1<<31) - 1<<30)
	case reflect.Float32, reflect.Float64:
		f.SetFloat(r.NormFloat64() * 1e6)
	case reflect.String:
		// Empty strings and multi-byte ones too.
		f.SetString([]string{"", "CN", "8517.62", "Zoë & Co — 株式会社", fmt.Sprint(r.Int())}[r.IntN(5)])
	case reflect.Pointer:
		if r.IntN(3) == 0 {
			f.SetZero()
			return
		}
		p := reflect.New(f.Type().Elem())
		fillValue(r, p.Elem())
		f.Set(p)
	case reflect.Slice:
		switch r.IntN(3) {
		case 0:
			f.SetZero()
		case 1:
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		default:
			s := reflect.MakeSlice(f.Type(), 1+r.IntN(3), 3)
			for i := range s.Len() {
				fillValue(r, s.Index(i))
			}
			f.Set(s)
		}
	default:
		panic(fmt.Sprintf("fill: no values for %s", f.Type()))
	}
}

// TestRowCodecRoundTrip: every Record type's rows come back from the row
// spool's form as they went in, and a truncated form is an error.
func TestRowCodecRoundTrip(t *testing.T) {
	for _, rec := range []any{schema.TradeFlowRecord{}, schema.TradeTotalRecord{}, schema.ShipmentRecord{},
		schema.QuarantineRecord{}, schema.ComplianceRecord{}} {
		rt := reflect.TypeOf(rec)
		t.Run(rt.Name(), func(t *testing.T) {
			c, err := newRowCodec(rt)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			// Rows go one after another into one spool, as a writer's
			// do, so strings equal to the row before's are back-references.
			var spool []byte
			for i := range 200 {
				in := reflect.New(rt)
				fillRandom(r, in.Elem())
				start := len(spool)
				spool = c.append(spool, in.UnsafePointer(), int64(len(spool)))
				out := reflect.New(rt)
				dec := &decoder{c: c, data: spool, slabLen: 4}
				if err := dec.read(spool[start:], out.UnsafePointer()); err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
				if !reflect.DeepEqual(in.Elem().Interface(), out.Elem().Interface()) {
					t.Fatalf("row %d:\n in %+v\nout %+v", i, in.Elem().Interface(), out.Elem().Interface())
				}
				if len(spool) > start {
					cut := spool[:start+r.IntN(len(spool)-start)]
					dec := &decoder{c: c, data: cut, slabLen: 4}
					if err := dec.read(cut[start:], reflect.New(rt).UnsafePointer()); err == nil {
						t.Fatalf("row %d: a truncated row was read without error", i)
					}
				}
			}
		})
	}
}

// TestRowCodecBackReferences: a string equal to the row before's in the
// same field is a back-reference, however far back its bytes are, and
// the rows read back in any order are the rows written.
func TestRowCodecBackReferences(t *testing.T) {
	c, err := newRowCodec(reflect.TypeFor[schema.ShipmentRecord]())
	if err != nil {
		t.Fatal(err)
	}
	uri := "file:///inbox/2026/12/a-long-export-name.xlsx"
	sha := strings.Repeat("ab", 32)
	var spool []byte
	var offsets []int
	rows := make([]schema.ShipmentRecord, 50)
	for i := range rows {
		rows[i] = schema.ShipmentRecord{HSCode: fmt.Sprintf("%06d", i), Source: "panjiva", SourceURI: uri,
			SourceSHA256: sha, Sheet: "Sheet1", BillOfLading: ptr(fmt.Sprintf("BOL%d", i)), Shipper: ptr("ACME CO")}
		if i == 20 {
			rows[i].SourceURI = "" // a literal between references
		}
		offsets = append(offsets, len(spool))
		spool = c.append(spool, unsafe.Pointer(&rows[i]), int64(len(spool)))
	}
	first, rest := offsets[1], len(spool)-offsets[len(offsets)-1]
	if rest >= first-len(uri)-len(sha) {
		t.Errorf("last row takes %d bytes, the first %d: the provenance is not referenced", rest, first)
	}
	dec := &decoder{c: c, data: spool, slabLen: 8}
	for _, i := range []int{49, 0, 21, 20, 19, 3} {
		var got schema.ShipmentRecord
		if err := dec.read(spool[offsets[i]:], unsafe.Pointer(&got)); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, rows[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, rows[i])
		}
	}
	// A reference past the start of the spool is corrupt, not a panic.
	bad := append(binary.AppendUvarint(nil, 8<<1|1), binary.AppendUvarint(nil, 1<<40)...)
	if _, _, err := dec.field(bad); err == nil {
		t.Error("a reference before the spool's start was read")
	}
}

func TestRowCodecRefusesOtherKinds(t *testing.T) {
	type odd struct {
		M map[string]int `parquet:"m"`
	}
	if _, err := newRowCodec(reflect.TypeFor[odd]()); err == nil {
		t.Error("a map field was accepted")
	}
}

// TestSortedFileHoldsTheRows: what goes through the row spool comes out
// of the Parquet file, every field of every row, in sort order.
func TestSortedFileHoldsTheRows(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	in := make([]schema.ShipmentRecord, 3000)
	for i := range in {
		fillRandom(r, reflect.ValueOf(&in[i]).Elem())
		// Dates and HS codes from a small set, so keys tie and the
		// input order must break the ties.
		in[i].ShipmentDate = int32(18262 + r.IntN(3))
		in[i].HSCode = fmt.Sprintf("%02d", r.IntN(20))
		// Parquet does not tell a nil list from an empty one.
		if in[i].HSCodes == nil {
			in[i].HSCodes = []string{}
		}
	}
	f := writeAll(t, t.TempDir(), in, RowGroupRows(700))
	defer os.Remove(f.Path)
	pf, err := os.Open(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	rd := parquet.NewGenericReader[schema.ShipmentRecord](pf)
	got := make([]schema.ShipmentRecord, len(in)+1)
	n, _ := rd.Read(got)
	if n != len(in) {
		t.Fatalf("read %d rows, want %d", n, len(in))
	}
	got = got[:n]
	want := slices.Clone(in)
	str := func(p *string) string {
		if p == nil {
			return "\x00"
		}
		return "\x01" + *p
	}
	slices.SortStableFunc(want, func(a, b schema.ShipmentRecord) int {
		if a.HSCode != b.HSCode {
			if a.HSCode < b.HSCode {
				return -1
			}
			return 1
		}
		if sa, sb := str(a.OriginCountry), str(b.OriginCountry); sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
		return int(a.ShipmentDate - b.ShipmentDate)
	})
	for i := range want {
		if !reflect.DeepEqual(normal(want[i]), normal(got[i])) {
			t.Fatalf("row %d:\nwant %+v\n got %+v", i, want[i], got[i])
		}
	}
}

// normal makes empty and nil lists equal, as Parquet stores both alike.
func normal(r schema.ShipmentRecord) schema.ShipmentRecord {
	if len(r.HSCodes) == 0 {
		r.HSCodes = nil
	}
	return r
}
