package panjiva

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Cell kinds, from the t attribute of <c>.
const (
	kindEmpty  byte = iota
	kindNumber      // t="n" or none: v is the number as written
	kindText        // t="s", "str" or "inlineStr": v is the text
	kindBool        // t="b": v is 0 or 1
	kindError       // t="e": v is the error, e.g. #N/A
	kindDate        // t="d": v is an ISO 8601 date-time
)

// cell is one cell of a row. v is valid only until the row callback
// returns.
type cell struct {
	kind byte
	v    []byte
	// arena offsets while the row is parsed (see sheetParser.arena); for
	// a shared string, ao is its index in the table.
	ao, ae  int32
	inArena bool
	// shared: v is a string of the shared strings table, which is never
	// written once read and lives as long as anything points into it.
	shared bool
	// lazy: the cell is in a column no field reads, so its value was
	// checked (size, shared index) but not decoded: v is the text as
	// written, entities and all, or for a shared string nil (ao is the
	// index). workbook.resolve decodes it, for quarantine's raw cells.
	lazy bool
}

// rowFunc receives the 1-based row number and the row's cells indexed by
// column (A is 0); missing cells are kindEmpty.
type rowFunc func(row int, cells []cell) error

// maxRowBytes bounds one row's XML (and one shared string's); a longer
// row means a broken or hostile file. Thirty cells of Excel's largest
// (128 KiB) fit several times over.
const maxRowBytes = 16 << 20

// streamSheet calls fn for every non-empty row of s, in order, holding at
// most a few megabytes of the sheet's XML at a time. Once fn has set
// *read (by column: whether a field reads it), the cells of other columns
// come lazy (cell.lazy): decoding the addresses, carriers and marks that
// no field holds was a third of the scan.
func (wb *workbook) streamSheet(ctx context.Context, s sheetRef, fn rowFunc, read *[]bool) error {
	if rem := wb.limits.UnzipSizeLimit - wb.unzipped; rem < 0 || s.file.UncompressedSize64 > uint64(rem) {
		return fmt.Errorf("uncompressed size %d bytes exceeds the limit of %d (zip bomb?)", s.file.UncompressedSize64, wb.limits.UnzipSizeLimit)
	}
	rc, err := s.file.Open()
	if err != nil {
		return fmt.Errorf("open sheet XML: %w", err)
	}
	defer rc.Close()
	pr := newPrefetcher(rc, 1<<20, 4)
	defer pr.Close()
	p := &sheetParser{wb: wb, w: window{r: pr, buf: make([]byte, 1<<20), max: maxRowBytes, what: "a row"}, read: read}
	wb.unzipped += int64(s.file.UncompressedSize64)
	return p.run(ctx, fn)
}

type sheetParser struct {
	wb    *workbook
	w     window
	cells []cell
	// arena holds decoded text of the current row (entities, inline
	// strings); cells point into it once the row is complete.
	arena   []byte
	row     int
	parsing int // the number of the row being parsed, for errors
	// read marks the columns whose values are decoded; nil or an empty
	// slice, every column.
	read *[]bool
}

// lazy reports whether the cells of column col are left undecoded.
func (p *sheetParser) lazy(col int) bool {
	if p.read == nil || len(*p.read) == 0 {
		return false
	}
	r := *p.read
	return col >= len(r) || !r[col]
}

// resolve decodes a lazy cell (see cell.lazy); other cells are returned
// as they are. The text of a lazy cell with entities is copied.
func (wb *workbook) resolve(c cell) cell {
	if !c.lazy {
		return c
	}
	c.lazy = false
	switch {
	case c.shared:
		c.v = wb.shared.at(int(c.ao))
	case bytes.IndexByte(c.v, '&') >= 0 || bytes.Contains(c.v, ooxmlEscape):
		c.v = appendUnescaped(nil, c.v)
	}
	return c
}

func (p *sheetParser) run(ctx context.Context, fn rowFunc) error {
	n := 0
	for {
		data := p.w.data()
		i := 0
		// The next row usually starts right where the last one ended.
		if len(data) <= len(rowStart) || !bytes.HasPrefix(data, rowStart) || !tagNameEnd(data[len(rowStart)]) {
			i = indexTag(data, "row")
		}
		if i < 0 {
			// Keep a tail that may hold the start of "<row".
			p.w.advance(max(0, len(data)-8))
			ok, err := p.w.more()
			if err != nil {
				return err
			}
			if !ok {
				return nil
			}
			continue
		}
		used, complete, err := p.parseRow(data[i:])
		if err != nil {
			return fmt.Errorf("row %d: %w", p.parsing, err)
		}
		if !complete {
			if err := p.need(i); err != nil {
				return err
			}
			continue
		}
		if len(p.cells) > 0 {
			if err := fn(p.row, p.cells); err != nil {
				return err
			}
		}
		p.w.advance(i + used)
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// need discards data before off and reads more, because the element at
// off is not complete in the window.
func (p *sheetParser) need(off int) error {
	p.w.advance(off)
	ok, err := p.w.more()
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("sheet XML ends inside a row (truncated file?)")
	}
	return nil
}

// parseRow parses the <row> element at the start of b into p.cells and
// p.row. complete is false when b ends before the row does; the caller
// then reads more and calls again.
func (p *sheetParser) parseRow(b []byte) (used int, complete bool, err error) {
	p.cells = p.cells[:0]
	p.arena = p.arena[:0]
	gt := bytes.IndexByte(b, '>')
	if gt < 0 {
		return 0, false, nil
	}
	tag := b[:gt]
	rowNum := p.row + 1
	if r, ok := rowNumber(tag); ok {
		rowNum = r
	} else if v := attr(tag, "r"); v != nil {
		if r, err := strconv.Atoi(string(v)); err == nil {
			rowNum = r
		}
	}
	p.parsing = rowNum
	if tag[len(tag)-1] == '/' { // <row .../>: no cells
		p.row = rowNum
		return gt + 1, true, nil
	}
	col := -1
	pos := gt + 1
	for {
		if pos >= len(b) || b[pos] != '<' { // a cell usually follows the last at once
			lt := bytes.IndexByte(b[pos:], '<')
			if lt < 0 {
				return 0, false, nil
			}
			pos += lt
		}
		if pos+2 >= len(b) {
			return 0, false, nil
		}
		switch {
		case b[pos+1] == 'c' && (b[pos+2] == ' ' || b[pos+2] == '>' || b[pos+2] == '/'):
			next, ok, err := p.parseCell(b, pos, &col)
			if err != nil || !ok {
				return 0, ok, err
			}
			pos = next
		case b[pos+1] == '/' && (bytes.HasPrefix(b[pos:], rowEnd) || len(b)-pos < len(rowEnd)):
			if len(b)-pos < len(rowEnd) {
				return 0, false, nil
			}
			for i := range p.cells {
				if c := &p.cells[i]; c.inArena {
					c.v = p.arena[c.ao:c.ae]
				}
			}
			p.row = rowNum
			return pos + len(rowEnd), true, nil
		default: // another element in the row (extLst) or its end tag: step over it
			e := bytes.IndexByte(b[pos:], '>')
			if e < 0 {
				return 0, false, nil
			}
			pos += e + 1
		}
	}
}

// rowNumber reads the number of the usual row start tag, `<row r="12"`
// and anything after, as attr and strconv.Atoi would. ok is false for any
// other tag, which they then read.
func rowNumber(tag []byte) (int, bool) {
	if !bytes.HasPrefix(tag, rowNumStart) {
		return 0, false
	}
	n := 0
	for i, ch := range tag[len(rowNumStart):] {
		switch {
		case ch >= '0' && ch <= '9' && i < 9:
			n = n*10 + int(ch-'0')
		case ch == '"' && i > 0:
			return n, true
		default:
			return 0, false
		}
	}
	return 0, false
}

var (
	rowStart      = []byte("<row")
	rowNumStart   = []byte(`<row r="`)
	rowEnd        = []byte("</row>")
	cellEnd       = []byte("</c>")
	isStart       = []byte("<is><t")
	isEnd         = []byte("</t></is></c>")
	vStart        = []byte("<v>")
	vEnd          = []byte("</v></c>")
	inlineStrType = []byte("inlineStr")
	ooxmlEscape   = []byte("_x")
)

// parseCell parses the <c> element at b[pos:], storing its value at its
// column. It returns the position after the element; ok is false when b
// ends first.
func (p *sheetParser) parseCell(b []byte, pos int, col *int) (next int, ok bool, err error) {
	j, c, ref, typ, fast := fastAttrs(b, pos)
	if fast {
		*col = c
		if next, ok := p.fastValue(b, j, c, typ); ok {
			return next, true, nil
		}
	} else {
		j, ref, typ, ok, err = cellAttrs(b, pos)
		if err != nil || !ok {
			return 0, ok, err
		}
		if ref != nil {
			c, ok := columnIndex(ref)
			if !ok {
				return 0, false, fmt.Errorf("bad cell reference %.20q", ref)
			}
			*col = c
		} else {
			*col++
		}
	}
	if b[j] == '/' { // <c .../>: styled but empty
		if j+1 >= len(b) {
			return 0, false, nil
		}
		return j + 2, true, nil
	}
	k := j + 1 // content starts
	var cv cell
	switch {
	case bytes.Equal(typ, inlineStrType) && bytes.HasPrefix(b[k:], isStart):
		gt := bytes.IndexByte(b[k+len(isStart):], '>')
		if gt < 0 {
			return 0, false, nil
		}
		ts := k + len(isStart) + gt + 1
		lt := bytes.IndexByte(b[ts:], '<')
		if lt < 0 {
			return 0, false, nil
		}
		if !bytes.HasPrefix(b[ts+lt:], isEnd) {
			return p.slowCell(b, pos, k, typ, *col)
		}
		if err := checkCell(b[ts : ts+lt]); err != nil {
			return 0, false, fmt.Errorf("cell %.20s: %w", ref, err)
		}
		if p.lazy(*col) {
			cv = cell{kind: kindText, v: b[ts : ts+lt], lazy: true}
		} else {
			cv = p.textCell(kindText, b[ts:ts+lt])
		}
		next = ts + lt + len(isEnd)
	case !bytes.Equal(typ, inlineStrType) && bytes.HasPrefix(b[k:], vStart):
		vs := k + len(vStart)
		lt := 0
		for vs+lt < len(b) && b[vs+lt] != '<' {
			lt++
		}
		if vs+lt >= len(b) {
			return 0, false, nil
		}
		if !bytes.HasPrefix(b[vs+lt:], vEnd) {
			return p.slowCell(b, pos, k, typ, *col)
		}
		cv, err = p.typedCell(typ, b[vs:vs+lt], p.lazy(*col))
		if err != nil {
			return 0, false, fmt.Errorf("cell %.20s: %w", ref, err)
		}
		next = vs + lt + len(vEnd)
	default:
		return p.slowCell(b, pos, k, typ, *col)
	}
	p.put(*col, cv)
	return next, true, nil
}

// fastAttrs reads, in one pass, the start tag that Excel, LibreOffice
// and excelize write, <c r="B5" s="1" t="s">, s and t optional and in
// that order, taking the column from the reference's letters as they go
// by. j is at the '>' or '/' that ends the tag. fast is false for any
// other tag (more attributes, another order, other spacing or quotes, a
// reference without letters or past XFD, the end of b): cellAttrs then
// reads it, and reports what is wrong with it.
func fastAttrs(b []byte, pos int) (j, col int, ref, typ []byte, fast bool) {
	j = pos + 2
	if j+4 > len(b) || b[j] != ' ' || b[j+1] != 'r' || b[j+2] != '=' || b[j+3] != '"' {
		return 0, 0, nil, nil, false
	}
	j += 4
	rs := j
	n := 0
	for j < len(b) && b[j] >= 'A' && b[j] <= 'Z' {
		n = n*26 + int(b[j]-'A'+1)
		if n > maxColumns {
			return 0, 0, nil, nil, false
		}
		j++
	}
	if j == rs {
		return 0, 0, nil, nil, false
	}
	// The row number is not read: cellAttrs's columnIndex does not read
	// it either.
	for j < len(b) && b[j] != '"' {
		j++
	}
	if j >= len(b) {
		return 0, 0, nil, nil, false
	}
	ref = b[rs:j]
	j++
	if j+4 < len(b) && b[j] == ' ' && b[j+1] == 's' && b[j+2] == '=' && b[j+3] == '"' {
		j += 4
		for j < len(b) && b[j] != '"' {
			j++
		}
		if j >= len(b) {
			return 0, 0, nil, nil, false
		}
		j++
	}
	if j+4 < len(b) && b[j] == ' ' && b[j+1] == 't' && b[j+2] == '=' && b[j+3] == '"' {
		j += 4
		ts := j
		for j < len(b) && b[j] != '"' {
			j++
		}
		if j >= len(b) {
			return 0, 0, nil, nil, false
		}
		typ = b[ts:j]
		j++
	}
	if j >= len(b) || b[j] != '>' && b[j] != '/' {
		return 0, 0, nil, nil, false
	}
	return j, n - 1, ref, typ, true
}

// cellAttrs reads the attributes of any <c> start tag at b[pos:]: r
// (reference) and t (type); s (style) is not needed. j is at the '>' or
// '/' that ends the tag; ok is false when b ends first.
func cellAttrs(b []byte, pos int) (j int, ref, typ []byte, ok bool, err error) {
	// Byte loops rather than IndexByte: the distances are a few bytes.
	j = pos + 2
	for {
		for j < len(b) && isSpace(b[j]) {
			j++
		}
		if j >= len(b) {
			return 0, nil, nil, false, nil
		}
		if b[j] == '>' || b[j] == '/' {
			return j, ref, typ, true, nil
		}
		eq := j
		for eq < len(b) && b[eq] != '=' {
			eq++
		}
		if eq+1 >= len(b) {
			return 0, nil, nil, false, nil
		}
		name := b[j:eq]
		q := b[eq+1]
		if q != '"' && q != '\'' {
			return 0, nil, nil, false, fmt.Errorf("malformed attribute in %.40q", b[pos:])
		}
		e := eq + 2
		for e < len(b) && b[e] != q {
			e++
		}
		if e >= len(b) {
			return 0, nil, nil, false, nil
		}
		if len(name) == 1 {
			switch name[0] {
			case 'r':
				ref = b[eq+2 : e]
			case 't':
				typ = b[eq+2 : e]
			}
		}
		j = e + 1
	}
}

// fastValue stores the value of the common cells, a shared string
// <v>12</v>, a number <v>1.5</v> or an inline string <is><t>..</t></is>
// each followed by </c>, at column col, reading it in one pass. b[j] is
// the '>' or '/' that ends the start tag. ok is false for anything else
// (and when b ends first), which parseCell then reads, errors and all.
func (p *sheetParser) fastValue(b []byte, j, col int, typ []byte) (next int, ok bool) {
	k := j + 1
	switch {
	case len(typ) == 1 && typ[0] == 's':
		// At most 9 digits: sharedIndex's own bound, so no overflow.
		if k+3 > len(b) || b[j] != '>' || b[k] != '<' || b[k+1] != 'v' || b[k+2] != '>' {
			return 0, false
		}
		vs := k + 3
		e, idx := vs, 0
		for e < len(b) && e-vs < 10 && b[e]-'0' < 10 {
			idx = idx*10 + int(b[e]-'0')
			e++
		}
		if e == vs || e-vs > 9 || idx >= p.wb.shared.len() || !bytes.HasPrefix(b[e:], vEnd) {
			return 0, false
		}
		if p.lazy(col) {
			p.put(col, cell{kind: kindText, shared: true, ao: int32(idx), lazy: true})
		} else {
			p.put(col, cell{kind: kindText, v: p.wb.shared.at(idx), shared: true, ao: int32(idx)})
		}
		return e + len(vEnd), true
	case len(typ) == 0 || len(typ) == 1 && typ[0] == 'n':
		if k+3 > len(b) || b[j] != '>' || b[k] != '<' || b[k+1] != 'v' || b[k+2] != '>' {
			return 0, false
		}
		return p.fastText(b, col, kindNumber, k+3, vEnd)
	case bytes.Equal(typ, inlineStrType):
		const is = "><is><t>"
		if k+len(is)-1 > len(b) || string(b[j:k+len(is)-1]) != is {
			return 0, false
		}
		return p.fastText(b, col, kindText, k+len(is)-1, isEnd)
	}
	return 0, false
}

// fastText puts the value of kind that starts at b[start] and ends before
// end (</v>, </t></is>) in column col, and returns where the value's end
// tag ends; false when the value is too long or does not end so (the
// general loop then reads the cell).
func (p *sheetParser) fastText(b []byte, col int, kind byte, start int, end []byte) (int, bool) {
	lt, esc := textEnd(b, start)
	if lt < 0 || lt-start > maxCellBytes || !bytes.HasPrefix(b[lt:], end) {
		return 0, false
	}
	v := b[start:lt]
	switch {
	case p.lazy(col):
		p.put(col, cell{kind: kind, v: v, lazy: true})
	case esc:
		p.put(col, p.textCell(kind, v))
	default:
		p.put(col, cell{kind: kind, v: v})
	}
	return lt + len(end), true
}

// textEnd returns the index of the first '<' in b from i on, or -1, and
// whether a '&' or a '_' (what starts an entity or an _xHHHH_ escape)
// comes before it: one pass, eight bytes at a time, instead of a search
// for the end and two for escapes.
func textEnd(b []byte, i int) (lt int, esc bool) {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		l, a, u := w^(ones*'<'), w^(ones*'&'), w^(ones*'_')
		// (x - ones) &^ x has a high bit set in some byte exactly when x has
		// a zero byte: here, a byte equal to '<', '&' or '_'.
		if ((l-ones)&^l|(a-ones)&^a|(u-ones)&^u)&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		switch b[i] {
		case '<':
			return i, esc
		case '&', '_':
			esc = true
		}
	}
	return -1, esc
}

// slowCell handles any other cell layout: formulas, rich text, phonetic
// runs, whitespace between elements.
func (p *sheetParser) slowCell(b []byte, pos, k int, typ []byte, col int) (int, bool, error) {
	end := bytes.Index(b[k:], cellEnd)
	if end < 0 {
		return 0, false, nil
	}
	c, err := p.cellValue(typ, b[k:k+end])
	if err != nil {
		return 0, false, fmt.Errorf("cell at column %d: %w", col+1, err)
	}
	p.put(col, c)
	return k + end + len(cellEnd), true, nil
}

func (p *sheetParser) put(col int, c cell) {
	if c.kind == kindEmpty {
		return
	}
	if col == len(p.cells) { // the usual: cells in order, none missing
		p.cells = append(p.cells, c)
		return
	}
	for len(p.cells) <= col {
		p.cells = append(p.cells, cell{})
	}
	p.cells[col] = c
}

// textCell keeps v as it is, or decoded in the arena when it has escapes.
// Callers check the size first (checkCell).
func (p *sheetParser) textCell(kind byte, v []byte) cell {
	if bytes.IndexByte(v, '&') >= 0 || bytes.Contains(v, ooxmlEscape) {
		start := len(p.arena)
		p.arena = appendUnescaped(p.arena, v)
		return cell{kind: kind, inArena: true, ao: int32(start), ae: int32(len(p.arena))}
	}
	return cell{kind: kind, v: v}
}

// checkCell refuses a value longer than a spreadsheet cell can be.
func checkCell(v []byte) error {
	if len(v) > maxCellBytes {
		return fmt.Errorf("%d bytes, more than a cell holds (%d)", len(v), maxCellBytes)
	}
	return nil
}

func (p *sheetParser) cellValue(t, content []byte) (cell, error) {
	if string(t) == "inlineStr" {
		start := len(p.arena)
		p.arena = inlineText(p.arena, content)
		if err := checkCell(p.arena[start:]); err != nil {
			return cell{}, err
		}
		return cell{kind: kindText, inArena: true, ao: int32(start), ae: int32(len(p.arena))}, nil
	}
	vi := indexTag(content, "v")
	if vi < 0 {
		return cell{}, nil // a formula without a cached value, or nothing
	}
	gt := bytes.IndexByte(content[vi:], '>')
	if gt < 0 || content[vi+gt-1] == '/' {
		return cell{}, nil
	}
	v := content[vi+gt+1:]
	e := bytes.Index(v, []byte("</v>"))
	if e < 0 {
		return cell{}, errors.New("truncated <v>")
	}
	return p.typedCell(t, v[:e], false)
}

// typedCell interprets the text of a <v> by the cell's type; lazy, it
// checks the value but leaves it undecoded (cell.lazy).
func (p *sheetParser) typedCell(t, v []byte, lazy bool) (cell, error) {
	if err := checkCell(v); err != nil {
		return cell{}, err
	}
	var kind byte
	switch string(t) {
	case "", "n":
		kind = kindNumber
	case "s":
		idx, err := sharedIndex(v)
		if err != nil || idx < 0 || idx >= p.wb.shared.len() {
			return cell{}, fmt.Errorf("shared string index %.20q out of range", v)
		}
		if lazy {
			return cell{kind: kindText, shared: true, ao: int32(idx), lazy: true}, nil
		}
		return cell{kind: kindText, v: p.wb.shared.at(idx), shared: true, ao: int32(idx)}, nil
	case "str":
		kind = kindText
	case "b":
		kind = kindBool
	case "e":
		kind = kindError
	case "d":
		kind = kindDate
	default:
		kind = kindText
	}
	if lazy {
		return cell{kind: kind, v: v, lazy: true}, nil
	}
	return p.textCell(kind, v), nil
}

// sharedIndex reads a shared string index: plain digits by hand, anything
// else as strconv.Atoi reads it.
func sharedIndex(v []byte) (int, error) {
	if len(v) == 0 || len(v) > 9 {
		return strconv.Atoi(string(v))
	}
	n := 0
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return strconv.Atoi(string(v))
		}
		n = n*10 + int(ch-'0')
	}
	return n, nil
}

// attr returns the value of attribute name in a start tag, or nil.
func attr(tag []byte, name string) []byte {
	for off := 0; ; {
		i := bytes.Index(tag[off:], []byte(name))
		if i < 0 {
			return nil
		}
		i += off
		j := i + len(name)
		if i > 0 && isSpace(tag[i-1]) && j+1 < len(tag) && tag[j] == '=' && (tag[j+1] == '"' || tag[j+1] == '\'') {
			q := tag[j+1]
			rest := tag[j+2:]
			e := bytes.IndexByte(rest, q)
			if e < 0 {
				return nil
			}
			return rest[:e]
		}
		off = j
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// columnIndex turns the letters of a cell reference (AB12) into a 0-based
// column index.
func columnIndex(ref []byte) (int, bool) {
	n := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
		if n > maxColumns { // checked each letter: DDDDDDDDDDDDDD would overflow int
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	return n - 1, true
}

// maxColumns is Excel's last column, XFD.
const maxColumns = 16384

// window is a sliding view of a stream. It grows to hold an element of at
// most max bytes; what names the element in the error.
type window struct {
	r      io.Reader
	buf    []byte
	lo, hi int
	eof    bool
	max    int
	what   string
}

func (w *window) data() []byte  { return w.buf[w.lo:w.hi] }
func (w *window) advance(n int) { w.lo += n }

// more reads more of the stream behind data, growing the buffer when data
// fills it. It reports false at the end of the stream.
func (w *window) more() (bool, error) {
	if w.eof {
		return false, nil
	}
	if w.lo > 0 {
		w.hi = copy(w.buf, w.buf[w.lo:w.hi])
		w.lo = 0
	}
	if w.hi == len(w.buf) {
		if len(w.buf) >= w.max {
			return false, fmt.Errorf("%s is longer than %d bytes of XML", w.what, w.max)
		}
		nb := make([]byte, min(2*len(w.buf), w.max))
		copy(nb, w.buf[:w.hi])
		w.buf = nb
	}
	for {
		n, err := w.r.Read(w.buf[w.hi:])
		w.hi += n
		if err == io.EOF {
			w.eof = true
			return n > 0, nil
		}
		if err != nil {
			return false, fmt.Errorf("read sheet XML: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
}

// prefetcher decompresses ahead in its own goroutine, so inflating the
// next megabyte overlaps with parsing this one.
type prefetcher struct {
	full  chan block
	free  chan []byte
	done  chan struct{}
	gone  chan struct{} // closed when the goroutine has returned
	cur   block
	off   int
	ended bool
}

type block struct {
	b   []byte
	err error
}

func newPrefetcher(r io.Reader, size, n int) *prefetcher {
	p := &prefetcher{full: make(chan block, n), free: make(chan []byte, n+1), done: make(chan struct{}), gone: make(chan struct{})}
	for range n + 1 {
		p.free <- make([]byte, size)
	}
	go func() {
		defer close(p.gone)
		defer close(p.full)
		// A panic while inflating a hostile stream is a read error, not a
		// dead process.
		defer func() {
			if v := recover(); v != nil {
				select {
				case p.full <- block{err: fmt.Errorf("inflate: internal error (panic: %v)", v)}:
				case <-p.done:
				}
			}
		}()
		for {
			var buf []byte
			select {
			case buf = <-p.free:
			case <-p.done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case p.full <- block{buf[:n], err}:
			case <-p.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *prefetcher) Read(b []byte) (int, error) {
	for p.off == len(p.cur.b) {
		if p.cur.err != nil {
			return 0, p.cur.err
		}
		if p.cur.b != nil {
			p.free <- p.cur.b[:cap(p.cur.b)]
		}
		blk, ok := <-p.full
		if !ok {
			return 0, io.EOF
		}
		p.cur, p.off = blk, 0
	}
	n := copy(b, p.cur.b[p.off:])
	p.off += n
	return n, nil
}

// Close stops the goroutine and waits for it (at most one block read), so
// the caller may then close the underlying reader.
func (p *prefetcher) Close() {
	if !p.ended {
		p.ended = true
		close(p.done)
		<-p.gone
	}
}
