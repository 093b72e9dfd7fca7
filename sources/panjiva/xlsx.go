package panjiva

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime/debug"
	"strconv"
	"strings"

	kflate "github.com/klauspost/compress/flate"
)

// Limits bound what opening a workbook may cost, against zip bombs. They
// play the part of excelize's Options.UnzipSizeLimit and UnzipXMLSizeLimit
// for the streaming reader, which does not go through excelize.
type Limits struct {
	// UnzipSizeLimit caps the total uncompressed size of the parts read
	// (the worksheets streamed plus the parts held in memory).
	UnzipSizeLimit int64
	// UnzipXMLSizeLimit caps the uncompressed size of each part other
	// than a worksheet: the shared strings table (streamed), the workbook
	// and its relationships (held in memory, and at most 16 MiB whatever
	// this says, since real ones are a few kilobytes).
	UnzipXMLSizeLimit int64
	// MaxCompressionRatio refuses a part larger than 1 MiB uncompressed
	// that inflates more than this many times: real workbooks compress
	// 5-20×, deflate bombs 1000×.
	MaxCompressionRatio int64
	// SharedStringsMemory caps the memory the decoded shared strings table
	// takes (its text, the lengths and an index); it is the one part of a
	// workbook held in memory whole.
	SharedStringsMemory int64
}

// Default limits: a few million rows pass, bombs do not.
const (
	DefaultUnzipSizeLimit      = 16 << 30
	DefaultUnzipXMLSizeLimit   = 512 << 20
	DefaultMaxCompressionRatio = 200
	DefaultSharedStringsMemory = 256 << 20
)

// withDefaults fills zero fields with the defaults.
func (l Limits) withDefaults() Limits {
	if l.UnzipSizeLimit <= 0 {
		l.UnzipSizeLimit = DefaultUnzipSizeLimit
	}
	if l.UnzipXMLSizeLimit <= 0 {
		l.UnzipXMLSizeLimit = DefaultUnzipXMLSizeLimit
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = DefaultMaxCompressionRatio
	}
	if l.SharedStringsMemory <= 0 {
		l.SharedStringsMemory = DefaultSharedStringsMemory
	}
	return l
}

// maxCellBytes bounds one cell's text: Excel holds at most 32,767
// characters in a cell, at most 4 bytes each in UTF-8. A longer cell was
// not written by a spreadsheet and is refused, not read into memory.
const maxCellBytes = 32767 * 4

// maxSmallPart bounds the parts parsed whole (workbook, relationships).
const maxSmallPart = 16 << 20

// ratioFloor is the size under which a part's compression ratio is not
// checked: small runs of repeated markup legitimately compress very well.
const ratioFloor = 1 << 20

// errEncrypted and friends describe whole-file problems; Parse wraps them
// as permanent.
var (
	errEncrypted = errors.New("password-protected (encrypted) workbook: save it without a password")
	errLegacyXLS = errors.New("legacy .xls (BIFF) workbook, not .xlsx: save it as .xlsx")
	errNotZip    = errors.New("not an .xlsx workbook (not a zip archive)")
)

// sheetRef is a worksheet of the workbook in tab order.
type sheetRef struct {
	name string
	file *zip.File
}

// workbook is an open .xlsx: its sheets, shared strings and date system.
type workbook struct {
	f        *os.File
	zr       *zip.Reader
	sheets   []sheetRef
	shared   sharedStrings
	date1904 bool
	limits   Limits
	unzipped int64 // bytes handed out so far, against UnzipSizeLimit
}

// openWorkbook opens the .xlsx at p. Errors describe a file that is not a
// readable workbook.
func openWorkbook(p string, lim Limits) (*workbook, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	wb, err := readWorkbook(f, lim.withDefaults())
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return wb, nil
}

func readWorkbook(f *os.File, lim Limits) (*workbook, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	var magic [8]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return nil, errNotZip
	}
	if bytes.Equal(magic[:], []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		// An OLE2 compound file: an encrypted OOXML package or a BIFF .xls.
		head := make([]byte, min(fi.Size(), 1<<20))
		_, _ = f.ReadAt(head, 0)
		if bytes.Contains(head, utf16("EncryptedPackage")) {
			return nil, errEncrypted
		}
		return nil, errLegacyXLS
	}
	if !bytes.HasPrefix(magic[:], []byte("PK\x03\x04")) {
		return nil, errNotZip
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil {
		return nil, fmt.Errorf("corrupt zip archive: %w", err)
	}
	// klauspost's inflater is a drop-in, faster than compress/flate.
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return kflate.NewReader(r) })
	var total uint64
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if u, c := zf.UncompressedSize64, zf.CompressedSize64; u > ratioFloor && (c == 0 || u/c > uint64(lim.MaxCompressionRatio)) {
			return nil, fmt.Errorf("%s: %d bytes compressed to %d, a ratio no real workbook has (more than %d:1): refused as a zip bomb", zf.Name, u, c, lim.MaxCompressionRatio)
		}
		files[strings.ToLower(strings.TrimPrefix(zf.Name, "/"))] = zf
	}
	if total > uint64(lim.UnzipSizeLimit) {
		return nil, fmt.Errorf("uncompressed size %d bytes exceeds the limit of %d (zip bomb?)", total, lim.UnzipSizeLimit)
	}
	wb := &workbook{f: f, zr: zr, limits: lim}
	wbFile := files["xl/workbook.xml"]
	if wbFile == nil {
		return nil, errors.New("zip archive without xl/workbook.xml: not an .xlsx workbook")
	}
	wbXML, err := wb.readPart(wbFile)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wbXML, &doc); err != nil {
		return nil, fmt.Errorf("xl/workbook.xml: %w", err)
	}
	wb.date1904 = doc.Pr.Date1904 == "1" || strings.EqualFold(doc.Pr.Date1904, "true")
	rels := map[string]string{}
	if rf := files["xl/_rels/workbook.xml.rels"]; rf != nil {
		b, err := wb.readPart(rf)
		if err != nil {
			return nil, err
		}
		var rd struct {
			Rels []struct {
				ID     string `xml:"Id,attr"`
				Target string `xml:"Target,attr"`
			} `xml:"Relationship"`
		}
		if err := xml.Unmarshal(b, &rd); err != nil {
			return nil, fmt.Errorf("xl/_rels/workbook.xml.rels: %w", err)
		}
		for _, r := range rd.Rels {
			t := r.Target
			if strings.HasPrefix(t, "/") {
				t = strings.TrimPrefix(t, "/")
			} else {
				t = path.Join("xl", t)
			}
			rels[r.ID] = strings.ToLower(t)
		}
	}
	for i, s := range doc.Sheets {
		target, ok := rels[s.RID]
		if !ok {
			target = fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
		}
		if zf := files[target]; zf != nil {
			wb.sheets = append(wb.sheets, sheetRef{name: s.Name, file: zf})
		}
	}
	if len(wb.sheets) == 0 {
		return nil, errors.New("workbook has no worksheets")
	}
	if sf := files["xl/sharedstrings.xml"]; sf != nil {
		if err := wb.readSharedStrings(sf); err != nil {
			return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
		}
	}
	return wb, nil
}

func utf16(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for i := range len(s) {
		out = append(out, s[i], 0)
	}
	return out
}

// checkPart refuses a part larger than limit, or than what is left of
// UnzipSizeLimit.
func (wb *workbook) checkPart(zf *zip.File, limit int64) error {
	if zf.UncompressedSize64 > uint64(limit) {
		return fmt.Errorf("%s: uncompressed size %d bytes exceeds the limit of %d (zip bomb?)", zf.Name, zf.UncompressedSize64, limit)
	}
	if rem := wb.limits.UnzipSizeLimit - wb.unzipped; rem < 0 || zf.UncompressedSize64 > uint64(rem) {
		return fmt.Errorf("uncompressed size %d bytes exceeds the limit of %d (zip bomb?)", zf.UncompressedSize64, wb.limits.UnzipSizeLimit)
	}
	return nil
}

// readPart reads a small part (workbook, relationships) into memory.
// archive/zip fails a part that inflates past its declared size, so the
// declared size checked here bounds the read.
func (wb *workbook) readPart(zf *zip.File) ([]byte, error) {
	if err := wb.checkPart(zf, min(wb.limits.UnzipXMLSizeLimit, maxSmallPart)); err != nil {
		return nil, err
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zf.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, int64(zf.UncompressedSize64)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zf.Name, err)
	}
	wb.unzipped += int64(len(b))
	return b, nil
}

func (wb *workbook) Close() error { return wb.f.Close() }

// releaseAt is the shared strings table's size from which release returns
// its memory to the OS at once: below it a forced GC costs more than the
// memory is worth.
const releaseAt = 16 << 20

// release drops the shared strings table once every sheet is read. The
// strings shipments took from it stay valid (the garbage collector keeps
// what they point to), but the rest of a large table goes now: without
// this its pages, and the garbage the parse left with the heap at twice
// the live size, stay resident while the partitions are written, on top
// of their row spools (docs/BENCHMARKS.md, issue 15, fifth session).
// debug.FreeOSMemory is one forced GC and returns the freed pages.
func (wb *workbook) release() {
	big := wb.shared.memory() >= releaseAt
	wb.shared = sharedStrings{}
	if big {
		debug.FreeOSMemory()
	}
}

// sharedStrings is the shared strings table in one arena: the decoded
// text of every string, back to back, in chunks of at most sstChunk bytes
// that are never reallocated, so growing the table copies nothing. The
// index has an entry for every group of sstGroup strings: where the
// first one's text starts (chunk<<sstChunkBits | offset) and each one's
// length in a byte, so at sums at most sstGroup-1 bytes of the entry it
// has loaded anyway: no memory access more than an offset per string
// would take. A string of sstLong bytes or more has sstLong there and its
// length as a uvarint before its text. A table of millions of short
// strings so costs its text plus 1.5 bytes a string, not the 4 of an
// offset each: at 2M rows of the benchmark workbook (4.19M strings)
// 6.3 MB instead of 16.8 MB, which the GC's heap goal doubles. A group's
// strings may go on in the next chunk: a string that is not empty and
// would start at the end of a chunk's bytes starts the next chunk. The
// arena is never written once read, so cells and shipments may point
// into it.
type sharedStrings struct {
	chunks [][]byte
	index  []sstEntry
	n      int   // strings
	alloc  int64 // bytes of chunks allocated, against the limit
}

type sstEntry struct {
	pos  uint32
	lens [sstGroup]uint8
}

// A chunk holds at most 1 MiB: more than a cell (maxCellBytes) and its
// length, so no string spans two, and 12 bits of chunk number address
// 4 GiB.
const (
	sstChunkBits = 20
	sstChunk     = 1 << sstChunkBits
	sstMaxChunks = 1 << (32 - sstChunkBits)
	sstMinChunk  = 64 << 10
	sstGroupBits = 3
	sstGroup     = 1 << sstGroupBits
	sstEntrySize = 4 + sstGroup
	sstLong      = 0xff
)

func (s *sharedStrings) len() int { return s.n }

func (s *sharedStrings) at(i int) []byte {
	e := &s.index[i>>sstGroupBits]
	k := e.pos >> sstChunkBits
	c := s.chunks[k]
	off := int(e.pos & (sstChunk - 1))
	j := i & (sstGroup - 1)
	// The lengths before string j summed as one word: when none is long
	// and the string starts before the chunk's end, no string before it
	// went on in the next chunk.
	const lo, hi, pairs = 0x0101010101010101, 0x8080808080808080, 0x00ff00ff00ff00ff
	x := binary.LittleEndian.Uint64(e.lens[:]) & (1<<(8*j) - 1)
	if y := ^x; (y-lo)&^y&hi == 0 {
		x = x&pairs + x>>8&pairs
		if o := off + int(x*0x0001000100010001>>48); o < len(c) {
			if n := int(e.lens[j]); n != sstLong {
				return c[o : o+n : o+n]
			}
		}
	}
	return s.walk(e, j, k, c, off)
}

// walk is at's general case: a long string, or one in the next chunk.
func (s *sharedStrings) walk(e *sstEntry, j int, k uint32, c []byte, off int) []byte {
	for _, n := range e.lens[:j] {
		if n == 0 {
			continue
		}
		if off == len(c) {
			k++
			c, off = s.chunks[k], 0
		}
		if n == sstLong {
			v, w := binary.Uvarint(c[off:])
			off += w + int(v)
			continue
		}
		off += int(n)
	}
	n := int(e.lens[j])
	if n == 0 {
		return nil
	}
	if off == len(c) {
		c, off = s.chunks[k+1], 0
	}
	if n == sstLong {
		v, w := binary.Uvarint(c[off:])
		off, n = off+w, int(v)
	}
	return c[off : off+n : off+n]
}

// memory is what the table takes, as counted against its limit.
func (s *sharedStrings) memory() int64 { return s.alloc + sstEntrySize*int64(cap(s.index)) }

// room makes the current chunk able to take n more bytes, starting a new
// chunk (twice the last, up to sstChunk) when it cannot. It fails when
// that would take the table past limit.
func (s *sharedStrings) room(n int, limit int64) error {
	if k := len(s.chunks); k > 0 && cap(s.chunks[k-1])-len(s.chunks[k-1]) >= n {
		return nil
	}
	size := sstMinChunk
	if k := len(s.chunks); k > 0 {
		size = min(2*cap(s.chunks[k-1]), sstChunk)
	}
	size = max(size, n)
	// At most half of what the limit leaves, so that the index can grow
	// too, unless the string needs more.
	left := limit - s.memory()
	if int64(size) > left/2 {
		size = max(int(left/2), n)
	}
	if int64(size) > left {
		size = int(max(left, 0))
	}
	if size < n || len(s.chunks) >= sstMaxChunks {
		return fmt.Errorf("table larger than the limit of %d bytes in memory (after %d strings)", limit, s.n)
	}
	s.chunks = append(s.chunks, make([]byte, 0, size))
	s.alloc += int64(size)
	return nil
}

// readSharedStrings streams the shared strings part into wb.shared,
// within SharedStringsMemory.
func (wb *workbook) readSharedStrings(zf *zip.File) error {
	if err := wb.checkPart(zf, wb.limits.UnzipXMLSizeLimit); err != nil {
		return err
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	// Inflating one block ahead overlaps with scanning this one.
	pr := newPrefetcher(rc, 1<<20, 2)
	defer pr.Close()
	ss, err := scanSharedStrings(pr, wb.limits.SharedStringsMemory, int64(zf.UncompressedSize64))
	if err != nil {
		return err
	}
	wb.shared = ss
	wb.unzipped += int64(zf.UncompressedSize64)
	return nil
}

// scanSharedStrings returns the text of every <si> of the shared strings
// XML in r, phonetic runs left out, decoded straight into the table's
// arena. size is the XML's length (the zip entry's declared size, which
// archive/zip holds it to): with the uniqueCount of <sst> it sizes the
// index once. The table may take at most limit bytes; no string may be
// longer than a cell.
func scanSharedStrings(r io.Reader, limit, size int64) (sharedStrings, error) {
	var ss sharedStrings
	w := window{r: r, buf: make([]byte, 64<<10), max: maxRowBytes, what: "a shared string"}
	sized := false
	for {
		data := w.data()
		i := indexTag(data, "si")
		if !sized {
			// The index's size, from <sst uniqueCount="..."> when it comes
			// before the first string; bounded by what size and limit
			// allow, so a false count cannot make it large.
			if j := indexTag(data, "sst"); j >= 0 && (i < 0 || j < i) {
				if gt := bytes.IndexByte(data[j:], '>'); gt >= 0 {
					if n, err := strconv.ParseInt(string(attr(data[j:j+gt], "uniqueCount")), 10, 64); err == nil && n > 0 {
						n = min(n, size/int64(len("<si/>")), limit/2/2)
						ss.index = make([]sstEntry, 0, n/sstGroup+1)
					}
					sized = true
				}
			} else if i >= 0 {
				sized = true
			}
		}
		if i < 0 {
			// Keep a tail that may hold the start of "<si" or "<sst".
			w.advance(max(0, len(data)-8))
			ok, err := w.more()
			if err != nil {
				return sharedStrings{}, err
			}
			if !ok {
				return ss, nil
			}
			continue
		}
		used, complete, err := ss.next(data[i:], limit)
		if err != nil {
			return sharedStrings{}, fmt.Errorf("string %d: %w", ss.n, err)
		}
		if !complete {
			w.advance(i)
			ok, err := w.more()
			if err != nil {
				return sharedStrings{}, err
			}
			if !ok {
				return sharedStrings{}, fmt.Errorf("string %d: truncated <si>", ss.n)
			}
			continue
		}
		w.advance(i + used)
	}
}

var (
	siFast    = []byte("<si><t>")
	siFastEnd = []byte("</t></si>")
)

// next decodes the <si> element at the start of b into the arena.
// complete is false when b ends first.
func (s *sharedStrings) next(b []byte, limit int64) (used int, complete bool, err error) {
	gt := bytes.IndexByte(b, '>')
	if gt < 0 {
		return 0, false, nil
	}
	if b[gt-1] == '/' { // <si/>
		return gt + 1, true, s.add(nil, true, limit)
	}
	if bytes.HasPrefix(b, siFast) {
		// The common form: one plain run.
		v := b[len(siFast):]
		if lt := bytes.IndexByte(v, '<'); lt >= 0 && bytes.HasPrefix(v[lt:], siFastEnd) {
			return len(siFast) + lt + len(siFastEnd), true, s.add(v[:lt], false, limit)
		}
	}
	// Search for the end after the start tag: in "<si </si>" the first '>'
	// belongs to the end tag.
	end := bytes.Index(b[gt+1:], []byte("</si>"))
	if end < 0 {
		return 0, false, nil
	}
	return gt + 1 + end + len("</si>"), true, s.add(b[gt+1:gt+1+end], true, limit)
}

// add appends one string: raw is its XML, the runs of an <si> when rich
// is true, else the text of its one <t>. Decoding only ever shortens
// text, so raw's length (at most a cell's) and, for a long one, that of
// its length are the room it needs.
func (s *sharedStrings) add(raw []byte, rich bool, limit int64) error {
	bound := min(len(raw), maxCellBytes)
	w := 0
	if bound >= sstLong {
		w = uvarintLen(bound)
	}
	if err := s.room(w+bound, limit); err != nil {
		return err
	}
	k := len(s.chunks) - 1
	c := s.chunks[k]
	at := len(c)
	c = c[:at+w] // a long string's length goes here once it is known
	if rich {
		c = inlineText(c, raw)
	} else {
		c = appendUnescaped(c, raw)
	}
	n := len(c) - at - w
	if n > maxCellBytes {
		return fmt.Errorf("%d bytes, more than a cell holds (%d)", n, maxCellBytes)
	}
	l := uint8(n)
	switch {
	case n >= sstLong:
		l = sstLong
		if nw := uvarintLen(n); nw < w {
			// Decoding took the text under a shorter length's bound.
			copy(c[at+nw:], c[at+w:])
			c = c[:at+nw+n]
		}
		binary.PutUvarint(c[at:], uint64(n))
	case w > 0:
		// Decoded to a short string: no length before it.
		copy(c[at:], c[at+w:])
		c = c[:at+n]
	}
	j := s.n & (sstGroup - 1)
	if j == 0 {
		if err := s.growIndex(limit); err != nil {
			return err
		}
		s.index = append(s.index, sstEntry{pos: uint32(k)<<sstChunkBits | uint32(at)})
	}
	s.index[len(s.index)-1].lens[j] = l
	s.chunks[k] = c
	s.n++
	return nil
}

// uvarintLen is the bytes of n as a uvarint, for n up to a cell's length.
func uvarintLen(n int) int {
	switch {
	case n < 1<<7:
		return 1
	case n < 1<<14:
		return 2
	default:
		return 3
	}
}

// growIndex makes room in the index for one more group, doubling it
// within what limit leaves.
func (s *sharedStrings) growIndex(limit int64) error {
	if cap(s.index) > len(s.index) {
		return nil
	}
	n := int64(max(2*cap(s.index), 64))
	if left := (limit - s.alloc) / sstEntrySize; n > left {
		n = left
	}
	if n < int64(len(s.index)+1) {
		return fmt.Errorf("table larger than the limit of %d bytes in memory (after %d strings)", limit, s.n)
	}
	index := make([]sstEntry, len(s.index), n)
	copy(index, s.index)
	s.index = index
	return nil
}

// indexTag finds the start of the next <name> or <name ...> element.
func indexTag(b []byte, name string) int {
	off := 0
	for {
		i := bytes.Index(b[off:], []byte("<"+name))
		if i < 0 {
			return -1
		}
		j := off + i + 1 + len(name)
		if j < len(b) && tagNameEnd(b[j]) {
			return off + i
		}
		if j >= len(b) {
			return -1
		}
		off = j
	}
}

// tagNameEnd reports whether c may follow an element's name in a tag.
func tagNameEnd(c byte) bool {
	return c == '>' || c == ' ' || c == '/' || c == '\t' || c == '\n' || c == '\r'
}

// inlineText appends the text of every <t> in b (the inside of an <si> or
// <is>), skipping phonetic <rPh> runs, with entities decoded.
func inlineText(dst, b []byte) []byte {
	for {
		i := indexTag(b, "t")
		if i < 0 {
			return dst
		}
		if ph := indexTag(b, "rPh"); ph >= 0 && ph < i {
			e := bytes.Index(b[ph:], []byte("</rPh>"))
			if e < 0 {
				return dst
			}
			b = b[ph+e+6:]
			continue
		}
		gt := bytes.IndexByte(b[i:], '>')
		if gt < 0 {
			return dst
		}
		if b[i+gt-1] == '/' { // <t/>
			b = b[i+gt+1:]
			continue
		}
		start := i + gt + 1
		e := bytes.Index(b[start:], []byte("</t>"))
		if e < 0 {
			return dst
		}
		dst = appendUnescaped(dst, b[start:start+e])
		b = b[start+e+4:]
	}
}

// appendUnescaped appends s with XML entities and OOXML _xHHHH_ escapes
// decoded.
func appendUnescaped(dst, s []byte) []byte {
	if bytes.IndexByte(s, '&') < 0 && !bytes.Contains(s, []byte("_x")) {
		return append(dst, s...)
	}
	for len(s) > 0 {
		switch {
		case s[0] == '&':
			semi := bytes.IndexByte(s, ';')
			if semi < 0 {
				return append(dst, s...)
			}
			ent := string(s[1:semi])
			switch ent {
			case "amp":
				dst = append(dst, '&')
			case "lt":
				dst = append(dst, '<')
			case "gt":
				dst = append(dst, '>')
			case "quot":
				dst = append(dst, '"')
			case "apos":
				dst = append(dst, '\'')
			default:
				var n uint64
				var err error
				if strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X") {
					n, err = strconv.ParseUint(ent[2:], 16, 32)
				} else if strings.HasPrefix(ent, "#") {
					n, err = strconv.ParseUint(ent[1:], 10, 32)
				} else {
					err = errors.New("unknown entity")
				}
				if err != nil {
					dst = append(dst, s[:semi+1]...)
				} else {
					dst = appendRune(dst, rune(n))
				}
			}
			s = s[semi+1:]
		case len(s) >= 7 && s[0] == '_' && s[1] == 'x' && s[6] == '_' && isHex(s[2:6]):
			n, _ := strconv.ParseUint(string(s[2:6]), 16, 32)
			dst = appendRune(dst, rune(n))
			s = s[7:]
		default:
			dst = append(dst, s[0])
			s = s[1:]
		}
	}
	return dst
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func appendRune(dst []byte, r rune) []byte {
	var buf [4]byte
	n := copy(buf[:], string(r))
	return append(dst, buf[:n]...)
}
