package parquetfile

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/bloom"
	"github.com/parquet-go/parquet-go/bloom/xxhash"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tradepipe/tradepipe/internal/buildinfo"
)

// fileEncoder writes a Parquet file column by column from rows of one
// Record type: each column reads its struct field by offset, keeps its
// own dictionary and page, and encodes pages with parquet-go's RLE and
// zstd packages. The layout is the one parquet-go's GenericWriter wrote
// with writerOptions (TestGoldenLayout holds it): the same page cuts
// (a column's buffered page is checked against 98% of the page size
// every 64 rows, and in batches of batchSize), statistics, page index,
// dictionary fallback and bloom filters.
type fileEncoder struct {
	out       *hashingWriter
	cols      []*columnEncoder
	schema    []format.SchemaElement
	orders    []format.ColumnOrder
	kv        []format.KeyValue
	createdBy string
	sorting   []format.SortingColumn

	rowGroupRows int
	pageLimit    int64 // a page is cut once its buffered size reaches this
	rgRows       int   // rows in the open row group

	rowGroups []format.RowGroup
	colIdx    [][]format.ColumnIndex
	offIdx    [][]format.OffsetIndex

	hdr     bytes.Buffer
	hdrEnc  *thrift.Encoder
	scratch []byte // a page's body
	levels  []byte // encoded levels or dictionary indexes
	zbuf    []byte // a compressed page
}

// encodeRowsPerCheck is how many rows parquet-go's writer takes at once
// before it checks its page buffers.
const encodeRowsPerCheck = 64

// columnIndexSizeLimit is where parquet-go truncates the column index's
// byte-array bounds.
const columnIndexSizeLimit = 16

type columnEncoder struct {
	path   []string
	off    uintptr
	kind   fieldKind
	phys   format.Type
	maxDef byte
	maxRep byte
	dict   bool // dictionary-encoded in this file
	plain  bool // fell back to PLAIN for the rest of the row group
	bloom  bool
	order  format.ColumnOrder
	index  parquet.ColumnIndexer
	// encs are the chunk's encodings: PLAIN (dictionary pages, and the
	// pages after a fallback), RLE (levels) and RLE_DICTIONARY.
	encs []format.Encoding

	// The open page.
	def, rep []byte
	vals     []byte  // PLAIN values
	ids      []int32 // dictionary indexes
	nvals    int     // values not null
	prows    int     // rows
	bytesLen int64   // of the byte arrays in vals
	bounds   bool
	lo, hi   value

	// The row group's dictionary.
	dictVals  []byte // PLAIN
	dictLen   int
	dictBytes int64 // as parquet-go sizes it for the fallback
	strIDs    map[string]int32
	numIDs    map[uint64]int32
	last      value
	lastID    int32
	hasLast   bool

	// The row group's chunk.
	pages     []byte
	meta      format.ColumnMetaData
	locs      []format.PageLocation
	chunkRows int64
	chunkLo   value
	chunkHi   value
	hasChunk  bool
	unenc     int64
	repHist   []int64
	defHist   []int64
	pRepHist  []int64
	pDefHist  []int64
	hashes    []uint64 // of the values for the bloom filter
}

// value is one column value: the bits of a number, or a string.
type value struct {
	n uint64
	s string
}

// newFileEncoder lays out T's columns for a file of rows rows; plain
// names the dict-tagged columns written PLAIN in this file.
func newFileEncoder[T any](out *hashingWriter, c config, codec *rowCodec, plain map[string]bool, rows int64) (*fileEncoder, error) {
	var zero T
	s := parquet.SchemaOf(zero)
	e := &fileEncoder{
		out:          out,
		rowGroupRows: c.rowGroupRows,
		pageLimit:    int64(int32(float64(c.pageBytes) * 0.98)),
		createdBy:    "tradepipe version " + createdByVersion() + "(build " + buildinfo.Commit() + ")",
		kv:           keyValues(c),
		// An empty list, not none, for files without a sort order, as
		// parquet-go wrote them.
		sorting: []format.SortingColumn{},
	}
	e.hdrEnc = thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(&e.hdr))
	e.schema = schemaElements(s)
	bloomCols := map[string]bool{}
	for _, name := range c.table.Bloom {
		bloomCols[name] = true
	}
	rt := reflect.TypeFor[T]()
	fi := 0
	for i := range rt.NumField() {
		f := rt.Field(i)
		if !f.IsExported() || f.Tag.Get("parquet") == "-" {
			continue
		}
		cf := codec.fields[fi]
		fi++
		name := strings.Split(f.Tag.Get("parquet"), ",")[0]
		if name == "" {
			name = f.Name
		}
		path := []string{name}
		if cf.kind == kStrings {
			path = []string{name, "list", "element"}
		}
		leaf, ok := s.Lookup(path...)
		if !ok {
			return nil, fmt.Errorf("column %s of %s is not in its schema", strings.Join(path, "."), rt)
		}
		col := &columnEncoder{
			path:   path,
			off:    cf.off,
			kind:   cf.kind,
			phys:   format.Type(leaf.Node.Type().Kind()),
			maxDef: byte(leaf.MaxDefinitionLevel),
			maxRep: byte(leaf.MaxRepetitionLevel),
			bloom:  bloomCols[name] && len(path) == 1,
			order:  *leaf.Node.Type().ColumnOrder(),
			index:  leaf.Node.Type().NewColumnIndexer(columnIndexSizeLimit),
		}
		if enc := leaf.Node.Encoding(); enc != nil && !plain[name] {
			switch enc.Encoding() {
			case format.RLEDictionary, format.PlainDictionary:
				col.dict = true
			}
		}
		if col.bloom && col.phys != format.ByteArray {
			return nil, fmt.Errorf("bloom filter on column %s of %s, which is not a string", name, rt)
		}
		if col.maxDef > 0 {
			col.encs = append(col.encs, format.RLE)
			col.defHist = make([]int64, col.maxDef+1)
		}
		if col.maxRep > 0 {
			col.repHist = make([]int64, col.maxRep+1)
		}
		col.encs = append(col.encs, format.Plain)
		if col.dict {
			col.encs = append(col.encs, format.RLEDictionary)
		}
		slices.Sort(col.encs)
		col.encs = slices.Compact(col.encs)
		if leaf.ColumnIndex != len(e.cols) {
			return nil, fmt.Errorf("column %s of %s is leaf %d, not %d", name, rt, leaf.ColumnIndex, len(e.cols))
		}
		col.presize(min(rows, int64(e.rowGroupRows)), e.pageLimit)
		e.cols = append(e.cols, col)
		e.orders = append(e.orders, col.order)
	}
	for _, name := range c.table.SortBy {
		leaf, ok := s.Lookup(name)
		if !ok {
			return nil, fmt.Errorf("sort column %q is not a column of %s", name, rt)
		}
		e.sorting = append(e.sorting, format.SortingColumn{ColumnIdx: int32(leaf.ColumnIndex), NullsFirst: true})
	}
	return e, nil
}

// schemaElements are the footer's schema as parquet-go writes it for s.
func schemaElements(s *parquet.Schema) []format.SchemaElement {
	var out []format.SchemaElement
	var walk func(name string, n parquet.Node, root bool)
	walk = func(name string, n parquet.Node, root bool) {
		t := n.Type()
		el := format.SchemaElement{Name: name, FieldID: int32(n.ID())}
		if !root {
			switch {
			case n.Required():
				el.RepetitionType = thrift.New(format.Required)
			case n.Optional():
				el.RepetitionType = thrift.New(format.Optional)
			case n.Repeated():
				el.RepetitionType = thrift.New(format.Repeated)
			}
		}
		if lt := t.LogicalType(); lt != nil {
			el.LogicalType = *lt
			if d, ok := lt.Value.(*format.DecimalType); ok {
				el.Scale.Set(d.Scale)
				el.Precision.Set(d.Precision)
			}
		}
		if k := int32(t.Length()); k > 0 {
			el.TypeLength.Set(k)
		}
		if !n.Leaf() {
			el.NumChildren.Set(int32(len(n.Fields())))
		}
		if p := t.PhysicalType(); p != nil {
			el.Type.Set(*p)
		}
		if ct := t.ConvertedType(); ct != nil {
			el.ConvertedType.Set(*ct)
		}
		out = append(out, el)
		for _, f := range n.Fields() {
			walk(f.Name(), f, false)
		}
	}
	walk(s.Name(), s, true)
	return out
}

// writeRows encodes n rows starting at p, size bytes apart, as one call
// of parquet-go's GenericWriter.Write did: in steps of at most
// encodeRowsPerCheck rows within the row group, after each of which a
// page that reached the page size is cut.
//
// Row addresses are taken from p for rows inside the batch only: a
// pointer one past its end is invalid to the race detector's checkptr.
func (e *fileEncoder) writeRows(p unsafe.Pointer, n int, size uintptr) error {
	for done := 0; done < n; {
		if e.rgRows >= e.rowGroupRows {
			if err := e.flushRowGroup(); err != nil {
				return err
			}
		}
		k := min(n-done, e.rowGroupRows-e.rgRows, encodeRowsPerCheck)
		for _, c := range e.cols {
			for i := done; i < done+k; i++ {
				c.add(unsafe.Add(p, uintptr(i)*size))
			}
		}
		for _, c := range e.cols {
			if c.bufferedSize() >= e.pageLimit {
				if err := e.flushPage(c); err != nil {
					return err
				}
			}
		}
		e.rgRows += k
		done += k
	}
	return nil
}

// add appends the column's value (or values, or null) of the row at p.
func (c *columnEncoder) add(p unsafe.Pointer) {
	q := unsafe.Add(p, c.off)
	c.prows++
	switch c.kind {
	case kInt32:
		c.addValue(value{n: uint64(*(*uint32)(q))})
	case kInt64, kFloat64:
		c.addValue(value{n: *(*uint64)(q)})
	case kString:
		c.addValue(value{s: *(*string)(q)})
	case kStrings:
		s := *(*[]string)(q)
		if len(s) == 0 {
			c.rep = append(c.rep, 0)
			c.def = append(c.def, c.maxDef-1)
			return
		}
		for i, v := range s {
			c.rep = append(c.rep, min(byte(i), 1))
			c.def = append(c.def, c.maxDef)
			c.addValue(value{s: v})
		}
	default:
		ptr := *(*unsafe.Pointer)(q)
		if ptr == nil {
			c.def = append(c.def, 0)
			return
		}
		c.def = append(c.def, c.maxDef)
		switch c.kind {
		case kPtrInt32:
			c.addValue(value{n: uint64(*(*uint32)(ptr))})
		case kPtrInt64, kPtrFloat64:
			c.addValue(value{n: *(*uint64)(ptr)})
		case kPtrString:
			c.addValue(value{s: *(*string)(ptr)})
		}
	}
}

func (c *columnEncoder) addValue(v value) {
	c.nvals++
	if c.phys == format.ByteArray {
		c.bytesLen += int64(len(v.s))
	}
	if !c.dict || c.plain {
		c.vals = c.appendPlain(c.vals, v)
		if c.bloom {
			c.hashes = append(c.hashes, xxhash.Sum64(unsafe.Slice(unsafe.StringData(v.s), len(v.s))))
		}
		c.bound(v)
		return
	}
	// Rows come sorted and many columns are constant in a file: the
	// value before is checked before the dictionary's map.
	if c.hasLast && v == c.last {
		c.ids = append(c.ids, c.lastID)
		return
	}
	var id int32
	var ok bool
	if c.phys == format.ByteArray {
		if c.strIDs == nil {
			c.strIDs = map[string]int32{}
		}
		if id, ok = c.strIDs[v.s]; !ok {
			id = int32(c.dictLen)
			c.strIDs[v.s] = id
			c.dictBytes += int64(len(v.s))
			if c.bloom {
				c.hashes = append(c.hashes, xxhash.Sum64(unsafe.Slice(unsafe.StringData(v.s), len(v.s))))
			}
		}
	} else {
		if c.numIDs == nil {
			c.numIDs = map[uint64]int32{}
		}
		if id, ok = c.numIDs[v.n]; !ok {
			id = int32(c.dictLen)
			c.numIDs[v.n] = id
			c.dictBytes += int64(c.width())
		}
	}
	if !ok {
		c.dictVals = c.appendPlain(c.dictVals, v)
		c.dictLen++
	}
	c.ids = append(c.ids, id)
	c.last, c.lastID, c.hasLast = v, id, true
	c.bound(v)
}

// presize gives the page's buffers the room a page of the file takes
// (a page is cut at most encodeRowsPerCheck rows past the limit), so
// that they do not grow by doubling in every file.
func (c *columnEncoder) presize(rows, pageLimit int64) {
	n := int(min(rows, pageLimit/4+encodeRowsPerCheck))
	if c.maxDef > 0 {
		c.def = make([]byte, 0, n)
	}
	if c.maxRep > 0 {
		c.rep = make([]byte, 0, n)
	}
	if c.dict {
		c.ids = make([]int32, 0, n)
		return
	}
	size := int64(c.width())
	if c.phys == format.ByteArray {
		size = 16 // a guess; longer strings grow the buffer
	}
	c.vals = make([]byte, 0, min(rows*size, pageLimit+encodeRowsPerCheck*size))
}

// width is the PLAIN size of a number of the column.
func (c *columnEncoder) width() int {
	if c.phys == format.Int32 {
		return 4
	}
	return 8
}

func (c *columnEncoder) appendPlain(b []byte, v value) []byte {
	switch c.phys {
	case format.Int32:
		return binary.LittleEndian.AppendUint32(b, uint32(v.n))
	case format.ByteArray:
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v.s)))
		return append(b, v.s...)
	default:
		return binary.LittleEndian.AppendUint64(b, v.n)
	}
}

// compare orders values of the column as parquet-go's types do: signed
// integers, floats by value (NaN equal to all), strings bytewise.
func (c *columnEncoder) compare(a, b value) int {
	switch c.phys {
	case format.Int32:
		return cmpOrdered(int32(a.n), int32(b.n))
	case format.Int64:
		return cmpOrdered(int64(a.n), int64(b.n))
	case format.Double:
		x, y := math.Float64frombits(a.n), math.Float64frombits(b.n)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	default:
		return strings.Compare(a.s, b.s)
	}
}

func cmpOrdered[N int32 | int64](a, b N) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bound widens the page's min and max by v. NaN is left out unless a
// page holds nothing else, as parquet-go's double pages do.
func (c *columnEncoder) bound(v value) {
	if c.phys == format.Double && math.IsNaN(math.Float64frombits(v.n)) {
		if !c.bounds {
			c.lo, c.hi, c.bounds = v, v, true
		}
		return
	}
	if !c.bounds || c.phys == format.Double && math.IsNaN(math.Float64frombits(c.lo.n)) {
		c.lo, c.hi, c.bounds = v, v, true
		return
	}
	if c.compare(v, c.lo) < 0 {
		c.lo = v
	}
	if c.compare(v, c.hi) > 0 {
		c.hi = v
	}
}

// bufferedSize is the open page's size as parquet-go's column buffers
// count it, which decides where pages are cut.
func (c *columnEncoder) bufferedSize() int64 {
	var base int64
	switch {
	case c.dict && !c.plain:
		base = 4 * int64(c.nvals)
	case c.phys == format.ByteArray:
		base = c.bytesLen + 4*int64(c.nvals)
	default:
		base = int64(c.width() * c.nvals)
	}
	switch {
	case c.maxRep > 0:
		return 8*int64(c.prows) + int64(len(c.rep)+len(c.def)) + base
	case c.maxDef > 0:
		return 5*int64(c.prows) + base
	}
	return base
}

// levels is the number of values of the open page, nulls included.
func (c *columnEncoder) levels() int {
	if c.maxDef > 0 {
		return len(c.def)
	}
	return c.prows
}

// flushPage encodes the open page of c and appends it to the chunk.
func (e *fileEncoder) flushPage(c *columnEncoder) error {
	numValues := c.levels()
	if numValues == 0 {
		return nil
	}
	fallback := c.dict && !c.plain && c.dictBytes > dictionaryMaxBytes
	body := e.scratch[:0]
	if c.maxRep > 0 {
		body = e.appendLevels(body, c.rep, c.maxRep)
	}
	if c.maxDef > 0 {
		body = e.appendLevels(body, c.def, c.maxDef)
	}
	enc := format.Plain
	if c.dict && !c.plain {
		enc = format.RLEDictionary
		// EncodeInt32 writes from the start of its buffer.
		var err error
		if e.levels, err = (&rle.DictionaryEncoding{}).EncodeInt32(e.levels[:0], c.ids); err != nil {
			return fmt.Errorf("encode column %s: %w", strings.Join(c.path, "."), err)
		}
		body = append(body, e.levels...)
	} else {
		body = append(body, c.vals...)
	}
	numNulls := numValues - c.nvals
	var minV, maxV parquet.Value
	if c.bounds {
		minV, maxV = c.parquetValue(c.lo), c.parquetValue(c.hi)
	}
	offset := c.meta.TotalCompressedSize
	if err := e.encodePage(c, body, format.PageHeader{
		Type: format.DataPage,
		DataPageHeader: thrift.New(format.DataPageHeader{
			NumValues:               int32(numValues),
			Encoding:                enc,
			DefinitionLevelEncoding: format.RLE,
			RepetitionLevelEncoding: format.RLE,
		}),
	}); err != nil {
		return err
	}
	c.locs = append(c.locs, format.PageLocation{Offset: offset, CompressedPageSize: int32(e.hdr.Len() + len(e.zbuf)), FirstRowIndex: c.chunkRows})
	c.pages = append(c.pages, e.hdr.Bytes()...)
	c.pages = append(c.pages, e.zbuf...)
	c.index.IndexPage(int64(numValues), int64(numNulls), minV, maxV)
	c.meta.NumValues += int64(numValues)
	c.meta.Statistics.NullCount += int64(numNulls)
	if c.bounds {
		if !c.hasChunk || c.compare(c.hi, c.chunkHi) > 0 {
			c.chunkHi = c.hi
		}
		if !c.hasChunk || c.compare(c.lo, c.chunkLo) < 0 {
			c.chunkLo = c.lo
		}
		c.hasChunk = true
	}
	c.chunkRows += int64(c.prows)
	if !(c.dict && !c.plain) && c.phys == format.ByteArray {
		c.unenc += c.bytesLen
	}
	if c.maxRep > 0 {
		c.pRepHist = appendHistogram(c.repHist, c.pRepHist, c.rep)
	}
	if c.maxDef > 0 {
		c.pDefHist = appendHistogram(c.defHist, c.pDefHist, c.def)
	}
	e.scratch = body
	c.def, c.rep, c.vals, c.ids = c.def[:0], c.rep[:0], c.vals[:0], c.ids[:0]
	c.nvals, c.prows, c.bytesLen, c.bounds = 0, 0, 0, false
	// A page starts its bounds afresh: the next value goes through
	// bound even if it equals the last.
	c.hasLast = false
	// The dictionary columns list PLAIN already, which the pages after
	// a fallback take.
	c.plain = c.plain || fallback
	return nil
}

func appendHistogram(total, pages []int64, levels []byte) []int64 {
	start := len(pages)
	pages = append(pages, make([]int64, len(total))...)
	for _, l := range levels {
		total[l]++
		pages[start+int(l)]++
	}
	return pages
}

// appendLevels appends levels RLE-encoded after their 4-byte length,
// as v1 data pages hold them.
func (e *fileEncoder) appendLevels(b, levels []byte, maxLevel byte) []byte {
	e.levels, _ = (&rle.Encoding{BitWidth: bits.Len8(maxLevel)}).EncodeLevels(e.levels[:0], levels)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.levels)))
	return append(b, e.levels...)
}

// parquetValue is v as parquet-go's column indexer takes it.
func (c *columnEncoder) parquetValue(v value) parquet.Value {
	switch c.phys {
	case format.Int32:
		return parquet.Int32Value(int32(v.n))
	case format.Int64:
		return parquet.Int64Value(int64(v.n))
	case format.Double:
		return parquet.DoubleValue(math.Float64frombits(v.n))
	}
	return parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(v.s), len(v.s)))
}

// statBytes is v as the chunk statistics hold it: PLAIN without a
// length.
func (c *columnEncoder) statBytes(v value) []byte {
	switch c.phys {
	case format.Int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(v.n))
	case format.Int64, format.Double:
		return binary.LittleEndian.AppendUint64(nil, v.n)
	}
	return append([]byte{}, v.s...)
}

// encodePage compresses body into e.zbuf and its header into e.hdr,
// and adds the page to the column chunk's sizes and encoding stats.
func (e *fileEncoder) encodePage(c *columnEncoder, body []byte, h format.PageHeader) error {
	var err error
	if e.zbuf, err = codec.Encode(e.zbuf[:0], body); err != nil {
		return fmt.Errorf("compress page of column %s: %w", strings.Join(c.path, "."), err)
	}
	h.UncompressedPageSize = int32(len(body))
	h.CompressedPageSize = int32(len(e.zbuf))
	h.CRC = int32(crc32.ChecksumIEEE(e.zbuf))
	e.hdr.Reset()
	if err := e.hdrEnc.Encode(&h); err != nil {
		return fmt.Errorf("encode page header of column %s: %w", strings.Join(c.path, "."), err)
	}
	c.meta.TotalUncompressedSize += int64(e.hdr.Len() + len(body))
	c.meta.TotalCompressedSize += int64(e.hdr.Len() + len(e.zbuf))
	enc := format.Plain
	if h.Type == format.DataPage {
		enc = h.DataPageHeader.V.Encoding
	}
	c.meta.EncodingStats = addEncodingStats(c.meta.EncodingStats, h.Type, enc)
	return nil
}

func addEncodingStats(stats []format.PageEncodingStats, t format.PageType, enc format.Encoding) []format.PageEncodingStats {
	for i, st := range stats {
		if st.PageType == t && st.Encoding == enc {
			stats[i].Count++
			return stats
		}
	}
	return append(stats, format.PageEncodingStats{PageType: t, Encoding: enc, Count: 1})
}

// flushRowGroup writes the open row group: each column's dictionary page
// and data pages, then the bloom filters.
func (e *fileEncoder) flushRowGroup() error {
	if e.rgRows == 0 {
		return nil
	}
	for _, c := range e.cols {
		if err := e.flushPage(c); err != nil {
			return err
		}
	}
	if e.out.n == 0 {
		if _, err := e.out.Write([]byte("PAR1")); err != nil {
			return err
		}
	}
	rg := format.RowGroup{NumRows: int64(e.rgRows), SortingColumns: e.sorting, FileOffset: e.out.n, Ordinal: int16(len(e.rowGroups))}
	var colIdx []format.ColumnIndex
	var offIdx []format.OffsetIndex
	for _, c := range e.cols {
		m := &c.meta
		m.Type, m.Encoding, m.PathInSchema, m.Codec = c.phys, slices.Clone(c.encs), c.path, format.Zstd
		if c.dict {
			m.DictionaryPageOffset = e.out.n
			if err := e.encodePage(c, c.dictVals, format.PageHeader{
				Type:                 format.DictionaryPage,
				DictionaryPageHeader: thrift.New(format.DictionaryPageHeader{NumValues: int32(c.dictLen), Encoding: format.Plain}),
			}); err != nil {
				return err
			}
			if _, err := e.out.Write(e.hdr.Bytes()); err != nil {
				return err
			}
			if _, err := e.out.Write(e.zbuf); err != nil {
				return err
			}
		}
		m.DataPageOffset = e.out.n
		for i := range c.locs {
			c.locs[i].Offset += m.DataPageOffset
		}
		if _, err := e.out.Write(c.pages); err != nil {
			return err
		}
		if c.hasChunk {
			m.Statistics.MinValue, m.Statistics.MaxValue = c.statBytes(c.chunkLo), c.statBytes(c.chunkHi)
		}
		m.SizeStatistics = format.SizeStatistics{
			UnencodedByteArrayDataBytes: c.unenc,
			RepetitionLevelHistogram:    slices.Clone(c.repHist),
			DefinitionLevelHistogram:    slices.Clone(c.defHist),
		}
		ci := c.index.ColumnIndex()
		ci.RepetitionLevelHistogram = slices.Clone(c.pRepHist)
		ci.DefinitionLevelHistogram = slices.Clone(c.pDefHist)
		colIdx = append(colIdx, cloneColumnIndex(ci))
		offIdx = append(offIdx, format.OffsetIndex{PageLocations: slices.Clone(c.locs)})
	}
	for _, c := range e.cols {
		if !c.bloom {
			continue
		}
		n := c.meta.NumValues
		if c.dict {
			n = int64(c.dictLen)
		}
		filter := make([]byte, bloom.BlockSize*bloom.NumSplitBlocksOf(n, bloomBitsPerValue))
		f := bloom.MakeSplitBlockFilter(filter)
		f.InsertBulk(c.hashes)
		h := format.BloomFilterHeader{NumBytes: int32(len(filter))}
		h.Algorithm.Value = &format.SplitBlockAlgorithm{}
		h.Hash.Value = &format.XxHash{}
		h.Compression.Value = &format.BloomFilterUncompressed{}
		e.hdr.Reset()
		if err := e.hdrEnc.Encode(&h); err != nil {
			return fmt.Errorf("encode bloom filter header of column %s: %w", strings.Join(c.path, "."), err)
		}
		c.meta.BloomFilterOffset = e.out.n
		if _, err := e.out.Write(e.hdr.Bytes()); err != nil {
			return err
		}
		if _, err := e.out.Write(filter); err != nil {
			return err
		}
		c.meta.BloomFilterLength = int32(e.out.n - c.meta.BloomFilterOffset)
	}
	for _, c := range e.cols {
		slices.SortFunc(c.meta.EncodingStats, func(a, b format.PageEncodingStats) int {
			return cmp.Or(cmp.Compare(a.PageType, b.PageType), cmp.Compare(a.Encoding, b.Encoding))
		})
		rg.TotalByteSize += c.meta.TotalUncompressedSize
		rg.TotalCompressedSize += c.meta.TotalCompressedSize
		rg.Columns = append(rg.Columns, format.ColumnChunk{MetaData: c.meta})
		c.reset()
	}
	e.rowGroups = append(e.rowGroups, rg)
	e.colIdx = append(e.colIdx, colIdx)
	e.offIdx = append(e.offIdx, offIdx)
	e.rgRows = 0
	return nil
}

func cloneColumnIndex(ci format.ColumnIndex) format.ColumnIndex {
	ci.NullPages = slices.Clone(ci.NullPages)
	ci.NullCounts = slices.Clone(ci.NullCounts)
	mins := make([][]byte, len(ci.MinValues))
	for i, b := range ci.MinValues {
		mins[i] = slices.Clone(b)
	}
	maxs := make([][]byte, len(ci.MaxValues))
	for i, b := range ci.MaxValues {
		maxs[i] = slices.Clone(b)
	}
	ci.MinValues, ci.MaxValues = mins, maxs
	return ci
}

// reset starts the column's next row group.
func (c *columnEncoder) reset() {
	c.plain = false
	c.dictVals, c.dictLen, c.dictBytes = c.dictVals[:0], 0, 0
	clear(c.strIDs)
	clear(c.numIDs)
	c.hasLast = false
	c.pages, c.locs = c.pages[:0], nil
	c.meta = format.ColumnMetaData{}
	c.chunkRows, c.hasChunk, c.unenc = 0, false, 0
	clear(c.repHist)
	clear(c.defHist)
	c.pRepHist, c.pDefHist = c.pRepHist[:0], c.pDefHist[:0]
	c.hashes = c.hashes[:0]
	c.index.Reset()
}

// close writes the last row group, the page index and the footer.
func (e *fileEncoder) close() error {
	if err := e.flushRowGroup(); err != nil {
		return err
	}
	if e.out.n == 0 {
		if _, err := e.out.Write([]byte("PAR1")); err != nil {
			return err
		}
	}
	enc := thrift.NewEncoder(new(thrift.CompactProtocol).NewWriter(e.out))
	for i, idx := range e.colIdx {
		for j := range idx {
			c := &e.rowGroups[i].Columns[j]
			c.ColumnIndexOffset = e.out.n
			if err := enc.Encode(&idx[j]); err != nil {
				return fmt.Errorf("encode column index: %w", err)
			}
			c.ColumnIndexLength = int32(e.out.n - c.ColumnIndexOffset)
		}
	}
	for i, idx := range e.offIdx {
		for j := range idx {
			c := &e.rowGroups[i].Columns[j]
			c.OffsetIndexOffset = e.out.n
			if err := enc.Encode(&idx[j]); err != nil {
				return fmt.Errorf("encode offset index: %w", err)
			}
			c.OffsetIndexLength = int32(e.out.n - c.OffsetIndexOffset)
		}
	}
	var rows int64
	for _, rg := range e.rowGroups {
		rows += rg.NumRows
	}
	md := format.FileMetaData{
		Version:          2,
		Schema:           e.schema,
		NumRows:          rows,
		RowGroups:        e.rowGroups,
		KeyValueMetadata: e.kv,
		CreatedBy:        e.createdBy,
		ColumnOrders:     e.orders,
	}
	start := e.out.n
	if err := enc.Encode(&md); err != nil {
		return fmt.Errorf("encode footer: %w", err)
	}
	tail := binary.LittleEndian.AppendUint32(nil, uint32(e.out.n-start))
	_, err := e.out.Write(append(tail, "PAR1"...))
	return err
}
