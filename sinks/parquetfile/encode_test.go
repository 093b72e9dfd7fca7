package parquetfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tradepipe/tradepipe/internal/duckdbtest"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// randomShipments are rows with what the encoder must get right: nulls,
// empty strings, NaN and infinities, lists of 0 to 3, goods descriptions
// long and distinct enough that their dictionary passes 1 MiB within a
// row group (the fallback to PLAIN), and runs of equal values.
func randomShipments(n int, seed uint64) []schema.ShipmentRecord {
	r := rand.New(rand.NewPCG(seed, 11))
	words := []string{"", "CN", "US", "Zhōngguó 中国", "x"}
	str := func(nulls bool) *string {
		if nulls && r.IntN(4) == 0 {
			return nil
		}
		return ptr(words[r.IntN(len(words))])
	}
	float := func() *float64 {
		switch r.IntN(6) {
		case 0:
			return nil
		case 1:
			return ptr(math.NaN())
		case 2:
			return ptr(math.Inf(1 - 2*r.IntN(2)))
		}
		return ptr(r.NormFloat64() * 1e3)
	}
	out := make([]schema.ShipmentRecord, n)
	for i := range out {
		codes := make([]string, r.IntN(4))
		for j := range codes {
			codes[j] = fmt.Sprintf("%06d", r.IntN(300))
		}
		var desc *string
		if r.IntN(10) > 0 {
			desc = ptr(fmt.Sprintf("%0300d", r.Int64())) // 300 bytes, all distinct
		}
		out[i] = schema.ShipmentRecord{
			ShipmentDate: int32(r.IntN(40000) - 10000), Period: int32(18262 + r.IntN(3)),
			BillOfLading: ptr(fmt.Sprintf("BOL%d", r.IntN(n))), Shipper: str(true), OriginCountry: str(true),
			HSCode: fmt.Sprintf("%06d", r.IntN(500)), HSCodes: codes, GoodsDescription: desc,
			ValueUSD: ptr(r.Int64N(2e17) - 1e17), WeightKg: float(), TEU: float(),
			Source: "panjiva", SourceURI: "file:///inbox/a.xlsx", SourceSHA256: "", Sheet: *str(false),
			SourceRow: int64(i), IngestedAt: 1_700_000_000_000_000,
		}
	}
	return out
}

// TestEncoderRoundTrip writes random rows in several row groups and
// pages, and checks what parquet-go's reader and DuckDB see: the rows,
// each chunk's statistics and null counts against the rows of its row
// group, bloom filters that know every value, and a dictionary that fell
// back to PLAIN.
func TestEncoderRoundTrip(t *testing.T) {
	const n, groupRows = 25_000, 12_000
	rows := randomShipments(n, 1)
	f := writeAll(t, t.TempDir(), rows, RowGroupRows(groupRows))
	_, _, pf := openParquet(t, f.Path)

	got := readRows[schema.ShipmentRecord](t, pf)
	if len(got) != n {
		t.Fatalf("%d rows, want %d", len(got), n)
	}
	if g, w := rowKeys(got), rowKeys(rows); !slices.Equal(g, w) {
		t.Fatalf("rows read back differ from the rows written")
	}

	md := pf.Metadata()
	if len(md.RowGroups) != 3 {
		t.Errorf("%d row groups, want 3", len(md.RowGroups))
	}
	fellBack, manyPages := false, false
	for g, rg := range md.RowGroups {
		group := got[g*groupRows : min(n, (g+1)*groupRows)]
		for j, cc := range rg.Columns {
			name := strings.Join(cc.MetaData.PathInSchema, ".")
			lo, hi, nulls := columnBounds(t, group, name)
			st := cc.MetaData.Statistics
			if st.NullCount != nulls {
				t.Errorf("row group %d %s: null_count %d, want %d", g, name, st.NullCount, nulls)
			}
			if !bytes.Equal(st.MinValue, lo) || !bytes.Equal(st.MaxValue, hi) {
				t.Errorf("row group %d %s: min/max %x/%x, want %x/%x", g, name, st.MinValue, st.MaxValue, lo, hi)
			}
			var dictPages, plainPages int32
			for _, es := range cc.MetaData.EncodingStats {
				switch {
				case es.PageType == format.DataPage && es.Encoding == format.RLEDictionary:
					dictPages += es.Count
				case es.PageType == format.DataPage && es.Encoding == format.Plain:
					plainPages += es.Count
				}
			}
			if name == "goods_description" && dictPages > 0 && plainPages > 0 {
				fellBack = true
			}
			chunk := pf.RowGroups()[g].ColumnChunks()[j]
			oi, err := chunk.OffsetIndex()
			if err != nil {
				t.Fatal(err)
			}
			manyPages = manyPages || oi.NumPages() > 2
			if name == "hs_code" || name == "bill_of_lading" {
				checkBloom(t, chunk, group, name)
			}
		}
	}
	if !fellBack {
		t.Error("no goods_description chunk fell back from RLE_DICTIONARY to PLAIN")
	}
	if !manyPages {
		t.Error("no chunk of more than 2 pages")
	}

	db := duckdbtest.Open(t)
	var count, desc, codes, nans int64
	if err := db.QueryRow(fmt.Sprintf(`SELECT count(*), count(goods_description), sum(len(hs_codes)), count(*) FILTER (WHERE isnan(weight_kg))
		FROM read_parquet('%s')`, f.Path)).Scan(&count, &desc, &codes, &nans); err != nil {
		t.Fatal(err)
	}
	var wantDesc, wantCodes, wantNaNs int64
	for _, r := range rows {
		if r.GoodsDescription != nil {
			wantDesc++
		}
		wantCodes += int64(len(r.HSCodes))
		if r.WeightKg != nil && math.IsNaN(*r.WeightKg) {
			wantNaNs++
		}
	}
	if count != n || desc != wantDesc || codes != wantCodes || nans != wantNaNs {
		t.Errorf("DuckDB sees %d rows, %d descriptions, %d codes, %d NaN weights; want %d, %d, %d, %d",
			count, desc, codes, nans, n, wantDesc, wantCodes, wantNaNs)
	}
}

func readRows[T any](t *testing.T, pf *parquet.File) []T {
	t.Helper()
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	var out []T
	buf := make([]T, 500)
	for {
		k, err := r.Read(buf)
		out = append(out, buf[:k]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// rowKeys renders each row, pointers followed and NaN as text, sorted.
func rowKeys[T any](rows []T) []string {
	out := make([]string, len(rows))
	for i := range rows {
		var b strings.Builder
		v := reflect.ValueOf(rows[i])
		for j := range v.NumField() {
			f := v.Field(j)
			switch {
			case f.Kind() == reflect.Pointer && f.IsNil():
				b.WriteString("nil|")
			case f.Kind() == reflect.Pointer:
				fmt.Fprintf(&b, "%v|", f.Elem())
			case f.Kind() == reflect.Slice:
				fmt.Fprintf(&b, "%q|", f.Interface())
			default:
				fmt.Fprintf(&b, "%v|", f)
			}
		}
		out[i] = b.String()
	}
	slices.Sort(out)
	return out
}

// columnBounds are the min and max (as the statistics hold them: NaN left
// out) and the null count of a column over rows.
func columnBounds(t *testing.T, rows []schema.ShipmentRecord, name string) (lo, hi []byte, nulls int64) {
	t.Helper()
	field := -1
	rt := reflect.TypeFor[schema.ShipmentRecord]()
	for i := range rt.NumField() {
		if tag := strings.Split(rt.Field(i).Tag.Get("parquet"), ",")[0]; tag == name || tag+".list.element" == name {
			field = i
		}
	}
	if field < 0 {
		t.Fatalf("no field for column %s", name)
	}
	var vals []reflect.Value
	for _, r := range rows {
		f := reflect.ValueOf(r).Field(field)
		switch f.Kind() {
		case reflect.Pointer:
			if f.IsNil() {
				nulls++
				continue
			}
			vals = append(vals, f.Elem())
		case reflect.Slice:
			if f.Len() == 0 {
				nulls++ // an empty list is a null element
			}
			for k := range f.Len() {
				vals = append(vals, f.Index(k))
			}
		default:
			vals = append(vals, f)
		}
	}
	var min, max reflect.Value
	less := func(a, b reflect.Value) bool {
		switch a.Kind() {
		case reflect.String:
			return a.String() < b.String()
		case reflect.Float64:
			return a.Float() < b.Float()
		}
		return a.Int() < b.Int()
	}
	for _, v := range vals {
		if v.Kind() == reflect.Float64 && math.IsNaN(v.Float()) {
			continue
		}
		if !min.IsValid() || less(v, min) {
			min = v
		}
		if !max.IsValid() || less(max, v) {
			max = v
		}
	}
	if !min.IsValid() {
		return nil, nil, nulls
	}
	return statValue(min), statValue(max), nulls
}

func statValue(v reflect.Value) []byte {
	switch v.Kind() {
	case reflect.String:
		return []byte(v.String())
	case reflect.Float64:
		return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v.Float()))
	case reflect.Int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(v.Int()))
	}
	return binary.LittleEndian.AppendUint64(nil, uint64(v.Int()))
}

// checkBloom asks the chunk's filter for every value of the column in
// the row group: a filter must know them all.
func checkBloom(t *testing.T, c parquet.ColumnChunk, rows []schema.ShipmentRecord, name string) {
	t.Helper()
	bf := c.BloomFilter()
	if bf == nil {
		t.Fatalf("column %s has no bloom filter", name)
	}
	for _, r := range rows {
		var v *string
		switch name {
		case "hs_code":
			v = &r.HSCode
		case "bill_of_lading":
			v = r.BillOfLading
		}
		if v == nil {
			continue
		}
		ok, err := bf.Check(parquet.ValueOf(*v))
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			t.Fatalf("bloom filter of %s does not know %q", name, *v)
		}
	}
}
