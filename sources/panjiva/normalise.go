package panjiva

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/money"
)

// isNull reports whether a cell means "no value": empty, an error value
// such as #N/A, or one of the placeholders exports use.
func isNull(c cell) bool {
	if c.kind == kindEmpty || c.kind == kindError {
		return true
	}
	// Most cells are longer than any placeholder, with nothing to trim.
	if n := len(c.v); n > 4 && c.v[0] > ' ' && c.v[0] < utf8.RuneSelf && c.v[n-1] > ' ' && c.v[n-1] < utf8.RuneSelf {
		return false
	}
	v := bytes.TrimSpace(c.v)
	switch len(v) {
	case 0:
		return true
	case 1:
		return v[0] == '-'
	case 2:
		return string(v) == "--" || bytes.EqualFold(v, []byte("NA"))
	case 3:
		return bytes.EqualFold(v, []byte("N/A")) || bytes.EqualFold(v, []byte("n.a"))
	case 4:
		return bytes.EqualFold(v, []byte("#N/A")) || bytes.EqualFold(v, []byte("NULL")) || bytes.EqualFold(v, []byte("NONE")) || bytes.EqualFold(v, []byte("n.a."))
	}
	return false
}

// Earliest and latest shipment years accepted; anything else is a
// misread date.
const (
	minYear = 1950
	maxYear = 2100
)

var (
	base1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	base1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// serialDate converts an Excel serial day number (the integer part; the
// fraction is the time of day) in the workbook's date system.
func serialDate(f float64, date1904 bool) (civil.Date, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 2958465 {
		return civil.Date{}, fmt.Errorf("serial %v out of range", f)
	}
	days := int(math.Floor(f))
	var t time.Time
	switch {
	case date1904:
		t = base1904.AddDate(0, 0, days)
	case days == 60:
		return civil.Date{}, errors.New("serial 60 is 1900-02-29, a day that does not exist")
	case days < 60:
		// Excel counts the phantom 1900-02-29, so serials before it are one
		// day off the modern base.
		t = base1900.AddDate(0, 0, days+1)
	default:
		t = base1900.AddDate(0, 0, days)
	}
	return civil.DateOf(t), nil
}

// wholeSerialDate reads the usual date cell, a whole serial day number of
// at most seven digits, with integer arithmetic instead of strconv and
// time. ok is false for anything else, and for a date serialDate refuses
// or outside minYear–maxYear, which parseDate then reads as before.
func wholeSerialDate(t []byte, date1904 bool) (civil.Date, bool) {
	if len(t) == 0 || len(t) > 7 {
		return civil.Date{}, false
	}
	n := 0
	for _, ch := range t {
		if ch < '0' || ch > '9' {
			return civil.Date{}, false
		}
		n = n*10 + int(ch-'0')
	}
	// Days since 1970-01-01: serial 25569 is that day in the 1900 system
	// (counting Excel's phantom 1900-02-29, so only serials after 60), and
	// 1904-01-01 is day -24107.
	var days int
	switch {
	case n < 1 || n > 2958465:
		return civil.Date{}, false
	case date1904:
		days = n - 24107
	case n <= 60:
		return civil.Date{}, false
	default:
		days = n - 25569
	}
	d := dateOfDays(days)
	if d.Year < minYear || d.Year > maxYear {
		return civil.Date{}, false
	}
	return d, true
}

// dateOfDays is the proleptic Gregorian date days after 1970-01-01
// (Howard Hinnant's civil_from_days; days >= -719468, 0000-03-01).
func dateOfDays(days int) civil.Date {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return civil.Date{Year: y, Month: time.Month(m), Day: d}
}

// textDateLayouts are the text forms seen in exports, tried in order.
// Slashed dates are read month first (US exports); day first only when
// the first number cannot be a month.
var textDateLayouts = []string{
	"2006-01-02", "2006/01/02", "2006-1-2", "2006/1/2", "20060102",
	"01/02/2006", "1/2/2006", "01-02-2006", "1-2-2006", "01/02/06", "1/2/06",
	"02-Jan-2006", "2-Jan-2006", "02-Jan-06", "2-Jan-06", "02 Jan 2006", "2 Jan 2006",
	"2 January 2006", "Jan 2, 2006", "Jan 02, 2006", "January 2, 2006", "Jan 2 2006",
	"02.01.2006", "2.1.2006",
}

var dayFirstLayouts = []string{"02/01/2006", "2/1/2006", "02-01-2006", "2-1-2006"}

// parseDate reads a date cell. ok is false when the cell is null.
func parseDate(c cell, date1904 bool) (d civil.Date, ok bool, err error) {
	if isNull(c) {
		return civil.Date{}, false, nil
	}
	if c.kind == kindNumber {
		// The common serial day number, without a string.
		t := bytes.TrimSpace(c.v)
		if d, ok := wholeSerialDate(t, date1904); ok {
			return d, true, nil
		}
		if f, err := strconv.ParseFloat(view(t), 64); err == nil && f >= 1 && f < 19000101 {
			if d, err = serialDate(f, date1904); err == nil && d.Year >= minYear && d.Year <= maxYear {
				return d, true, nil
			}
		}
	}
	s := strings.TrimSpace(string(c.v))
	switch c.kind {
	case kindNumber:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return civil.Date{}, true, fmt.Errorf("%q is not a number", s)
		}
		if f >= 19000101 && f <= 21001231 && f == math.Trunc(f) {
			// 20200115 typed as a number: YYYYMMDD, not a serial.
			return textOnly(s, date1904)
		}
		d, err = serialDate(f, date1904)
		if err != nil {
			return civil.Date{}, true, err
		}
	case kindDate:
		d, err = isoDate(s)
		if err != nil {
			return civil.Date{}, true, err
		}
	default:
		d, err = textDate(s, date1904)
		if err != nil {
			return civil.Date{}, true, err
		}
	}
	if d.Year < minYear || d.Year > maxYear {
		return civil.Date{}, true, fmt.Errorf("%q is %s, outside %d–%d", s, d, minYear, maxYear)
	}
	return d, true, nil
}

func textOnly(s string, date1904 bool) (civil.Date, bool, error) {
	d, err := textDate(s, date1904)
	if err != nil {
		return civil.Date{}, true, err
	}
	if d.Year < minYear || d.Year > maxYear {
		return civil.Date{}, true, fmt.Errorf("%q is %s, outside %d–%d", s, d, minYear, maxYear)
	}
	return d, true, nil
}

func isoDate(s string) (civil.Date, error) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		y, e1 := strconv.Atoi(s[:4])
		m, e2 := strconv.Atoi(s[5:7])
		dd, e3 := strconv.Atoi(s[8:10])
		d := civil.Date{Year: y, Month: time.Month(m), Day: dd}
		if e1 == nil && e2 == nil && e3 == nil && d.Valid() && (len(s) == 10 || s[10] == 'T' || s[10] == ' ') {
			return d, nil
		}
	}
	return civil.Date{}, fmt.Errorf("%q is not a date", s)
}

func textDate(s string, date1904 bool) (civil.Date, error) {
	if d, err := isoDate(s); err == nil {
		return d, nil
	}
	// A serial number saved as text.
	if len(s) <= 9 && len(s) != 8 {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return serialDate(f, date1904)
		}
	}
	// Drop a time of day: "01/15/2020 00:00:00", "2020-01-15T10:00".
	if i := strings.IndexAny(s, "T "); i >= 8 && strings.Contains(s[i:], ":") {
		s = strings.TrimSpace(s[:i])
	}
	for _, l := range textDateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return civil.DateOf(t), nil
		}
	}
	for _, l := range dayFirstLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return civil.DateOf(t), nil
		}
	}
	return civil.Date{}, fmt.Errorf("%q is not a date", s)
}

// parseValue reads a USD amount: a number cell, or text with $, USD,
// thousands separators and parentheses for negatives. Values are Panjiva's
// estimates; digits below a cent (often binary-float noise in number
// cells) are rounded half-even. Nil means null.
func parseValue(c cell) (*apd.Decimal, error) {
	var d apd.Decimal
	ok, err := parseValueInto(c, &d)
	if !ok || err != nil {
		return nil, err
	}
	return &d, nil
}

// parseValueInto is parseValue into d; ok is false when the cell is null.
func parseValueInto(c cell, d *apd.Decimal) (ok bool, err error) {
	if isNull(c) {
		return false, nil
	}
	if c.kind == kindBool {
		return false, errors.New("a TRUE/FALSE cell is not an amount")
	}
	t := bytes.TrimSpace(c.v)
	if c.kind == kindNumber && plainAmount(t, d) {
		return true, nil
	}
	s := string(t)
	if c.kind != kindNumber {
		if s, err = cleanNumber(s, true); err != nil {
			return false, err
		}
	}
	if _, _, err := d.SetString(s); err != nil || d.Form != apd.Finite {
		return false, fmt.Errorf("%q is not an amount", string(c.v))
	}
	if d.Exponent < -money.Scale {
		*d = money.RoundCents(*d)
	}
	// Digits once scaled to cents (the exponent is -2 or more here).
	if d.NumDigits()+int64(d.Exponent)+money.Scale > money.Precision {
		return false, fmt.Errorf("%q does not fit DECIMAL(18,2)", string(c.v))
	}
	return true, nil
}

// plainAmount sets d from the common number cell, an optional minus, at
// most 16 digits before the point and two after (what DECIMAL(18,2)
// holds), without apd's general parser. It reports false for anything
// else, which then takes the general path.
func plainAmount(b []byte, d *apd.Decimal) bool {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	n, digits, frac, ok := plainDigits(b)
	if !ok || frac > money.Scale || digits-frac > money.Precision-money.Scale {
		return false
	}
	d.Coeff.SetInt64(int64(n))
	d.Exponent = int32(-frac)
	d.Negative = neg
	d.Form = apd.Finite
	return true
}

// cleanNumber turns "$1,234.50", "(1,234.50)", "USD 12", "1 234 kg" into a
// plain decimal string. Commas must group thousands; a comma after the
// decimal point (1.234,56) is refused as ambiguous.
func cleanNumber(s string, currency bool) (string, error) {
	orig := s
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg = true
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if currency {
		up := strings.ToUpper(s)
		for _, p := range []string{"US$", "USD", "$"} {
			if strings.HasPrefix(up, p) {
				s, up = strings.TrimSpace(s[len(p):]), strings.TrimSpace(up[len(p):])
			}
			if strings.HasSuffix(up, p) {
				s, up = strings.TrimSpace(s[:len(s)-len(p)]), strings.TrimSpace(up[:len(up)-len(p)])
			}
		}
	}
	if strings.HasPrefix(s, "-") {
		neg = !neg
		s = strings.TrimSpace(s[1:])
		if currency && strings.HasPrefix(s, "$") {
			s = strings.TrimSpace(s[1:])
		}
	}
	var b strings.Builder
	dot := -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			b.WriteByte(ch)
		case ch == '.' && dot < 0:
			dot = i
			b.WriteByte(ch)
		case ch == ',' && dot < 0:
			// thousands: digits before, exactly three after, then , . or the end
			if b.Len() == 0 || !digits(s[i+1:min(i+4, len(s))], 3) ||
				(i+4 < len(s) && s[i+4] != ',' && s[i+4] != '.') {
				return "", fmt.Errorf("%q is not a number", orig)
			}
		case ch == ' ' || ch == '\u00a0':
		default:
			return "", fmt.Errorf("%q is not a number", orig)
		}
	}
	out := b.String()
	if out == "" || out == "." {
		return "", fmt.Errorf("%q is not a number", orig)
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseFloat reads a weight or TEU: a number cell or text with thousands
// separators and a unit suffix. ok is false when the cell is null.
func parseFloat(c cell, units ...string) (float64, bool, error) {
	if isNull(c) {
		return 0, false, nil
	}
	if c.kind == kindBool {
		return 0, true, errors.New("a TRUE/FALSE cell is not a number")
	}
	t := bytes.TrimSpace(c.v)
	// Plain digits read the same as a number or as text: cleanNumber
	// leaves them as they are.
	if f, ok := plainFloat(t); ok {
		return f, true, nil
	}
	if c.kind == kindNumber {
		if f, err := strconv.ParseFloat(view(t), 64); err == nil && f >= 0 && !math.IsInf(f, 0) {
			return f, true, nil
		}
	}
	s := string(t)
	if c.kind != kindNumber {
		low := strings.ToLower(s)
		for _, u := range units {
			if strings.HasSuffix(low, u) {
				s = strings.TrimSpace(s[:len(s)-len(u)])
				break
			}
		}
		var err error
		if s, err = cleanNumber(s, false); err != nil {
			return 0, true, err
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, true, fmt.Errorf("%q is not a number", string(c.v))
	}
	if f < 0 {
		return 0, true, fmt.Errorf("%q is negative", string(c.v))
	}
	return f, true, nil
}

// plainFloat reads the common weight or TEU, digits with at most one
// point and at most 15 digits in all, exactly as strconv.ParseFloat does:
// the digits are an integer below 2^53 and the power of ten is exact, so
// the one division is correctly rounded (Clinger's fast path, which
// strconv takes itself). ok is false for anything else.
func plainFloat(b []byte) (f float64, ok bool) {
	n, digits, frac, ok := plainDigits(b)
	if !ok || digits > 15 {
		return 0, false
	}
	return float64(n) / pow10[frac], true
}

// plainDigits reads b as digits with at most one point: their value as an
// integer n (wrapped past 19 digits, which callers refuse by digits), how
// many there are and how many follow the point. ok is false for no digit
// or any other byte.
func plainDigits(b []byte) (n uint64, digits, frac int, ok bool) {
	dot := false
	for _, ch := range b {
		switch {
		case ch >= '0' && ch <= '9':
			n = n*10 + uint64(ch-'0')
			digits++
			if dot {
				frac++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			return 0, 0, 0, false
		}
	}
	return n, digits, frac, digits > 0
}

// pow10 are the powers of ten plainFloat divides by, each exact in a
// float64.
var pow10 = [16]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseHSCodes reads an HS code cell: a number that lost its leading zero
// (201.3 for 0201.30), text with dots or spaces ("0201.30", "8471 30"),
// a code followed by a description, or several codes separated by ";".
// It returns every code, digits only, first as listed.
func parseHSCodes(c cell) ([]string, error) {
	if isNull(c) {
		return nil, errors.New("no HS code")
	}
	s := string(bytes.TrimSpace(c.v))
	if c.kind == kindNumber {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || f >= 1e10 {
			return nil, fmt.Errorf("%q is not an HS code", s)
		}
		// Six decimals wash out binary noise (8471.2999999999993).
		s = strconv.FormatFloat(f, 'f', 6, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if isHSDigits(s) {
		return []string{s}, nil // the common case: "847130"
	}
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' || r == '|' }) {
		code, err := hsCode(part)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		if !contains(out, code) {
			out = append(out, code)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q has no HS code", s)
	}
	return out, nil
}

// isHSDigits reports whether s is already a clean code: 2 to 10 digits,
// an even count.
func isHSDigits(s string) bool {
	if len(s) < 2 || len(s) > 10 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// hsCode normalises one code: the leading run of digits, dots and spaces
// of part (a description may follow), without a leading "HS" label.
func hsCode(part string) (string, error) {
	p := strings.TrimSpace(part)
	up := strings.ToUpper(p)
	for _, l := range []string{"HS CODE", "HTS", "HS"} {
		if strings.HasPrefix(up, l) {
			p = strings.TrimLeft(p[len(l):], " :#")
			break
		}
	}
	end := 0
	for end < len(p) && (p[end] >= '0' && p[end] <= '9' || p[end] == '.' || p[end] == ' ') {
		end++
	}
	// A description may start after the code: "8471.30 Laptops", "847130 - laptops".
	lead := strings.Trim(p[:end], " .")
	if lead == "" {
		return "", errors.New("no digits")
	}
	if end < len(p) && p[end-1] != ' ' && p[end] != '-' && p[end] != ',' && p[end] != '(' && p[end] != ':' {
		// Something glued to the digits ("8471ab", "84/71").
		return "", fmt.Errorf("%q is not an HS code", part)
	}
	groups := strings.Split(lead, ".")
	for i, g := range groups {
		groups[i] = strings.ReplaceAll(g, " ", "")
		if groups[i] == "" {
			return "", fmt.Errorf("%q is not an HS code", part)
		}
	}
	first := groups[0]
	rest := strings.Join(groups[1:], "")
	if len(first)%2 == 1 {
		first = "0" + first // lost leading zero: 201 → 0201, 20130 → 020130
	}
	if len(groups) > 1 && len(first) < 4 {
		first = strings.Repeat("0", 4-len(first)) + first
	}
	if len(rest)%2 == 1 {
		rest += "0" // lost trailing zero: 201.3 → 0201.30
	}
	code := first + rest
	switch len(code) {
	case 2, 4, 6, 8, 10:
		return code, nil
	}
	return "", fmt.Errorf("%q has %d digits, not 2, 4, 6, 8 or 10", part, len(code))
}

// isFROB reports whether a FROB cell marks foreign cargo remaining on
// board.
func isFROB(c cell) bool {
	if isNull(c) {
		return false
	}
	v := bytes.TrimSpace(c.v)
	for _, m := range frobMarks {
		if bytes.EqualFold(v, m) {
			return true
		}
	}
	return false
}

var frobMarks = [][]byte{[]byte("Y"), []byte("YES"), []byte("TRUE"), []byte("1"), []byte("X"), []byte("FROB")}
