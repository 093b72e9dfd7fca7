package panjiva

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
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
	// UnzipXMLSizeLimit caps each part held in memory: workbook, its
	// relationships and the shared strings table.
	UnzipXMLSizeLimit int64
}

// Default limits: a few million rows pass, bombs do not.
const (
	DefaultUnzipSizeLimit    = 16 << 30
	DefaultUnzipXMLSizeLimit = 512 << 20
)

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
	shared   [][]byte
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
	wb, err := readWorkbook(f, lim)
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
		b, err := wb.readPart(sf)
		if err != nil {
			return nil, err
		}
		if wb.shared, err = parseSharedStrings(b); err != nil {
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

// readPart reads a part into memory, within UnzipXMLSizeLimit.
func (wb *workbook) readPart(zf *zip.File) ([]byte, error) {
	if zf.UncompressedSize64 > uint64(wb.limits.UnzipXMLSizeLimit) {
		return nil, fmt.Errorf("%s: uncompressed size %d bytes exceeds the limit of %d (zip bomb?)", zf.Name, zf.UncompressedSize64, wb.limits.UnzipXMLSizeLimit)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zf.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, wb.limits.UnzipXMLSizeLimit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zf.Name, err)
	}
	if int64(len(b)) > wb.limits.UnzipXMLSizeLimit {
		return nil, fmt.Errorf("%s: more than %d bytes uncompressed (zip bomb?)", zf.Name, wb.limits.UnzipXMLSizeLimit)
	}
	wb.unzipped += int64(len(b))
	return b, nil
}

func (wb *workbook) Close() error { return wb.f.Close() }

// parseSharedStrings returns the text of every <si>, phonetic runs left out.
func parseSharedStrings(b []byte) ([][]byte, error) {
	var out [][]byte
	var scratch []byte
	for {
		i := indexTag(b, "si")
		if i < 0 {
			return out, nil
		}
		gt := bytes.IndexByte(b[i:], '>')
		if gt < 0 {
			return nil, errors.New("truncated <si>")
		}
		if b[i+gt-1] == '/' { // <si/>
			out = append(out, nil)
			b = b[i+gt+1:]
			continue
		}
		end := bytes.Index(b[i:], []byte("</si>"))
		if end < 0 {
			return nil, errors.New("truncated <si>")
		}
		scratch = inlineText(scratch[:0], b[i+gt+1:i+end])
		out = append(out, bytes.Clone(scratch))
		b = b[i+end+5:]
	}
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
		if j < len(b) && (b[j] == '>' || b[j] == ' ' || b[j] == '/' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
			return off + i
		}
		if j >= len(b) {
			return -1
		}
		off = j
	}
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
