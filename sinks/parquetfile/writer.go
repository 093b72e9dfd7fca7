package parquetfile

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/format"

	"github.com/tradepipe/tradepipe/internal/buildinfo"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// File is a finished spool file.
type File struct {
	Path   string // local path; the caller removes it after upload
	Rows   int64
	Bytes  int64
	SHA256 string
}

// Key-value metadata keys written in every file's footer.
const (
	KeyDataset       = "tradepipe.dataset"
	KeyTable         = "tradepipe.table"
	KeySchemaVersion = "tradepipe.schema_version"
	KeyReleaseID     = "tradepipe.release_id"
	KeyVersion       = "tradepipe.version"
	KeyCommit        = "tradepipe.commit"
	KeySortedBy      = "tradepipe.sorted_by"
)

// codec compresses every page: a zstd.Codec pools its encoders, and
// each encoder holds megabytes of history, so a codec per writer made
// memory grow with the number of partitions open at once. It holds no
// per-file state; the bytes written are the same.
var codec = &zstd.Codec{Level: zstd.SpeedDefault}

// pageBufferSize bounds the uncompressed page each column buffers while
// a file is encoded (at Close, one file at a time): 64 KiB pages let a
// reader that uses the page index skip within a row group. A page is
// cut once its values take 98% of it, as parquet-go cut them.
const pageBufferSize = 64 << 10

// DefaultRowGroupRows is the row-group size, chosen by measurement (see
// docs/BENCHMARKS.md, "Parquet layout"): with rows sorted, 32k-row groups
// let min/max statistics skip most of a file for a commodity filter, and
// files stay within 10% of DuckDB's size.
const DefaultRowGroupRows = 32 << 10

// layoutFor are the datasets whose files take other row-group and page
// sizes. An all-partner trade_flows file repeated its HS10 description
// and code dictionaries in every 32k-row group and came to 1.59 of
// DuckDB's size; in DuckDB's own 122,880-row groups and 1 MiB pages it
// is 1.01, and no query of bench/duckcompare.sh costs more instructions
// than over DuckDB's file (docs/BENCHMARKS.md, "Parquet layout").
// One-partner files hold a few thousand rows and are one row group
// either way.
var layoutFor = map[string]struct{ rowGroupRows, pageBytes int }{
	schema.DatasetTradeFlows: {rowGroupRows: 122_880, pageBytes: 1 << 20},
}

// dictionaryMaxBytes is where a dictionary column falls back to PLAIN for
// the rest of the row group, as parquet-mr and arrow do at 1 MiB: beyond
// that the dictionary no longer pays and readers must hold it whole.
const dictionaryMaxBytes = 1 << 20

// bloomBitsPerValue sizes split-block bloom filters (by the values of
// the row group: the dictionary's, or all, nulls included, of a PLAIN
// column, as parquet-go sized them): 8 bits give about a 2% false-positive
// rate; 10 bits (1%) cost 1.5% more file for unique columns such as
// bill_of_lading (docs/BENCHMARKS.md).
const bloomBitsPerValue = 8

// Option adjusts a writer. The engine passes Release; Table and
// RowGroupRows are for history copies, tests and benchmarks.
type Option func(*config)

type config struct {
	table        schema.Table
	named        bool // table is known, not just one of the Record's
	release      string
	rowGroupRows int
	pageBytes    int
}

// Release records the release id in the file's key-value metadata.
func Release(id string) Option { return func(c *config) { c.release = id } }

// Table names the table the file belongs to when it is not the main table
// of the Record type: a history table, or the quarantine table of a
// dataset (schema.TableNamed("quarantine_" + dataset)).
func Table(t schema.Table) Option { return func(c *config) { c.table, c.named = t, true } }

// RowGroupRows overrides DefaultRowGroupRows.
func RowGroupRows(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.rowGroupRows = n
		}
	}
}

// Writer streams rows of type T into a Parquet file in a spool directory,
// sorted across the file by the table's SortBy columns. It is not safe for
// concurrent use.
type Writer[T any] struct {
	f    *os.File
	out  *hashingWriter
	rows int64

	// Rows stay in a row spool until Close: the rows' bytes in
	// rowsFile, and in memory only where each row starts and its sort
	// keys (none for a table without a sort order).
	sorter   *sorter
	codec    *rowCodec
	rowsFile *os.File
	rowsBuf  *bufio.Writer
	enc      []byte
	offsets  rowOffsets // of each row in rowsFile, in input order
	size     int64      // bytes written to rowsFile

	cfg     config           // the file's layout, encoded at Close
	repeats []*distinctCount // of the columns dictionary-encoded only where values repeat
}

// Create starts a spool file in dir (os.TempDir() when empty) for rows of
// T, one of the Record types of internal/schema.
func Create[T any](dir string, opts ...Option) (*Writer[T], error) {
	var zero T
	c := config{rowGroupRows: DefaultRowGroupRows, pageBytes: pageBufferSize}
	if ts := schema.TableFor(zero); len(ts) > 0 {
		// Tables of one Record type share columns, order and filters;
		// the file names its table only when it is known: the main table
		// of the type, or the one the Table option gives (quarantine
		// rows have no main table).
		c.table, c.named = ts[0], ts[0].Name == ts[0].Dataset
		if l, ok := layoutFor[c.table.Dataset]; ok {
			c.rowGroupRows, c.pageBytes = l.rowGroupRows, l.pageBytes
		}
	}
	for _, o := range opts {
		o(&c)
	}
	if c.table.Record == nil {
		return nil, fmt.Errorf("parquetfile: %T is not the Record type of a table", zero)
	}
	if c.table.RecordType() != schemaTypeOf[T]() {
		return nil, fmt.Errorf("parquetfile: table %s holds %s, not %T", c.table.Name, c.table.RecordType(), zero)
	}
	if err := checkColumns[T](c.table); err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", c.table.Name, err)
	}
	w := &Writer[T]{}
	var err error
	if w.sorter, err = newSorter[T](c.table.SortBy); err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", c.table.Name, err)
	}
	if w.codec, err = newRowCodec(schemaTypeOf[T]()); err != nil {
		return nil, fmt.Errorf("parquetfile: table %s: %w", c.table.Name, err)
	}
	f, err := os.CreateTemp(dir, "spool-*.parquet")
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	w.f = f
	w.cfg = c
	w.repeats = repeatCounters[T](c.table.Dataset)
	if w.rowsFile, err = os.CreateTemp(dir, "spool-*.rows"); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("create row spool: %w", err)
	}
	w.rowsBuf = bufio.NewWriterSize(w.rowsFile, rowSpoolBufferSize)
	return w, nil
}

// keyValues are the file's key-value metadata, sorted by key as
// parquet-go wrote them; doc.go says what each holds.
func keyValues(c config) []format.KeyValue {
	t := c.table
	kv := []format.KeyValue{
		{Key: KeyDataset, Value: t.Dataset},
		{Key: KeySchemaVersion, Value: strconv.Itoa(schema.Version)},
		{Key: KeyVersion, Value: buildinfo.Version()},
		{Key: KeyCommit, Value: buildinfo.Commit()},
	}
	if c.named {
		kv = append(kv, format.KeyValue{Key: KeyTable, Value: t.Name})
	}
	if c.release != "" {
		kv = append(kv, format.KeyValue{Key: KeyReleaseID, Value: c.release})
	}
	if len(t.SortBy) > 0 {
		kv = append(kv, format.KeyValue{Key: KeySortedBy, Value: strings.Join(t.SortBy, ",")})
	}
	slices.SortFunc(kv, func(a, b format.KeyValue) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Value, b.Value))
	})
	return kv
}

// createdByVersion is the version in created_by, followed by the space
// before "(build" (parquet-go v0.32 wrote none, and the files have kept
// it), without parentheses, which parquet-mr's VersionParser would read
// as an empty version.
func createdByVersion() string {
	return strings.Trim(buildinfo.Version(), "()") + " "
}

// rowSpoolBufferSize buffers each open writer's row spool: a delivery
// keeps a writer per partition open, so it is paid per partition.
const rowSpoolBufferSize = 64 << 10

// batchSize rows are decoded from the row spool at a time and encoded
// together; the encoder's page cuts count from the start of each batch
// (fileEncoder.writeRows), as parquet-go's did for each Write call.
const batchSize = 1024

// Write adds a row.
func (w *Writer[T]) Write(row T) error {
	w.rows++
	p := unsafe.Pointer(&row)
	w.enc = w.codec.append(w.enc[:0], p, w.size)
	w.offsets.append(w.size)
	w.size += int64(len(w.enc))
	w.sorter.add(p)
	for _, d := range w.repeats {
		d.add(p)
	}
	if _, err := w.rowsBuf.Write(w.enc); err != nil {
		return fmt.Errorf("write row spool: %w", err)
	}
	return nil
}

// Rows is the number of rows written so far.
func (w *Writer[T]) Rows() int64 { return w.rows }

// writeSorted reads the row spool back in sort order and encodes it
// column by column (fileEncoder): every row is encoded once and the
// file's row groups cover consecutive ranges of the sort keys.
func (w *Writer[T]) writeSorted() error {
	if err := w.rowsBuf.Flush(); err != nil {
		return fmt.Errorf("write row spool: %w", err)
	}
	w.rowsBuf = nil
	// The file's buffer exists only while the file is written, so open
	// partitions do not each hold one.
	w.out = newHashingWriter(w.f)
	data, release, err := mapFile(w.rowsFile, w.size)
	if err != nil {
		return fmt.Errorf("read row spool: %w", err)
	}
	// Rows read back, and the encoder's dictionaries, point into data;
	// the file is finished before data goes.
	defer release()
	enc, err := newFileEncoder[T](w.out, w.cfg, w.codec, plainColumns(w.repeats, w.rows), w.rows)
	if err != nil {
		return err
	}
	batch := make([]T, batchSize)
	dec := &decoder{c: w.codec, data: data, slabLen: batchSize}
	n := 0
	size := unsafe.Sizeof(batch[0])
	for _, i := range w.sorter.order() {
		if err := dec.read(data[w.offsets.at(int(i)):], unsafe.Pointer(&batch[n])); err != nil {
			return fmt.Errorf("read row spool: row %d: %w", i, err)
		}
		if n++; n == len(batch) {
			if err := enc.writeRows(unsafe.Pointer(&batch[0]), n, size); err != nil {
				return err
			}
			clear(batch)
			n = 0
		}
	}
	if n > 0 {
		if err := enc.writeRows(unsafe.Pointer(&batch[0]), n, size); err != nil {
			return err
		}
	}
	return enc.close()
}

// Close finishes the file and returns its description. On error the spool
// file is removed. The spool file is not synced: it is a local copy that
// the lake's Put copies and syncs under its own name (a crash before that
// loses only what the next run writes again).
func (w *Writer[T]) Close() (File, error) {
	err := w.writeSorted()
	w.dropRowSpool()
	if err == nil {
		err = w.out.Flush()
	}
	if err != nil {
		w.Abort()
		return File{}, fmt.Errorf("finish parquet file: %w", err)
	}
	if err := w.f.Close(); err != nil {
		_ = os.Remove(w.f.Name())
		return File{}, err
	}
	return File{Path: w.f.Name(), Rows: w.rows, Bytes: w.out.n, SHA256: hex.EncodeToString(w.out.h.Sum(nil))}, nil
}

// hashingWriter buffers the writes to the spool file and hashes and counts
// them on the way, so Close need not read the file back.
type hashingWriter struct {
	buf *bufio.Writer
	h   hash.Hash
	n   int64
}

func newHashingWriter(f *os.File) *hashingWriter {
	return &hashingWriter{buf: bufio.NewWriterSize(f, 256<<10), h: sha256.New()}
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	hw.h.Write(p)
	hw.n += int64(len(p))
	return hw.buf.Write(p)
}

func (hw *hashingWriter) Flush() error { return hw.buf.Flush() }

// Abort discards the file. Safe to call after Close has failed.
func (w *Writer[T]) Abort() {
	w.dropRowSpool()
	_ = w.f.Close()
	_ = os.Remove(w.f.Name())
}

// dropRowSpool removes the row spool; its keys go with it.
func (w *Writer[T]) dropRowSpool() {
	if w.rowsFile == nil {
		return
	}
	_ = w.rowsFile.Close()
	_ = os.Remove(w.rowsFile.Name())
	w.rowsFile, w.enc = nil, nil
	w.offsets.free()
	w.sorter.reset()
}

// rowOffsets are where the rows start in the row spool, 4 bytes a row
// off the heap instead of an int64 on it: the low 32 bits of each, and
// the rows from which the high bits go up by one (a row spool passes
// 4 GiB rarely, so high is almost always empty).
type rowOffsets struct {
	low  offheap[uint32]
	high []int32 // the first row of each further 4 GiB, ascending
}

// append adds the offset of the next row; offsets never decrease.
func (o *rowOffsets) append(off int64) {
	for int64(len(o.high)) < off>>32 {
		o.high = append(o.high, int32(o.low.len()))
	}
	o.low.append(uint32(off))
}

// at is the offset of row i.
func (o *rowOffsets) at(i int) int64 {
	hi := 0
	if len(o.high) > 0 {
		hi, _ = slices.BinarySearch(o.high, int32(i+1))
	}
	return int64(hi)<<32 | int64(o.low.s[i])
}

func (o *rowOffsets) free() {
	o.low.free()
	o.high = nil
}
