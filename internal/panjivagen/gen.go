// Package panjivagen writes realistic Panjiva-style shipment workbooks
// (.xlsx, with excelize's StreamWriter) for tests and benchmarks: the 25
// most common columns of a US-imports export, title and filter rows above
// the header, and a controlled share of every quirk the panjiva source
// must survive. Output is deterministic for a seed, and Stats says what a
// correct reader must make of it.
package panjivagen

import (
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Columns are the header of a generated sheet, in order.
var Columns = []string{
	"Bill of Lading Number", "Arrival Date", "Consignee", "Consignee Address", "Shipper",
	"Shipper Address", "Carrier", "Notify Party", "Shipment Origin", "Shipment Destination",
	"Port of Lading", "Port of Unlading", "Place of Receipt", "Transport Method", "Vessel",
	"Is Containerized", "Volume (TEU)", "Quantity", "Weight (kg)", "Value of Goods (USD)",
	"FROB", "HS Code", "Goods Shipped", "Number of Containers", "Container Marks",
}

// Quirk is a kind of irregular row.
type Quirk int

// Quirks. The first group still publishes; the last group is rejected.
const (
	HSNumber    Quirk = iota // HS code as a number that lost its leading zero: 201.3
	HSDots                   // "0201.30"
	HSMulti                  // "020130; 847130"
	HSDesc                   // "847130 - Portable computers"
	DateText                 // "01/15/2020"
	DateTextMon              // "15-Jan-2020"
	ValueText                // "$1,234.56"
	ValueParen               // "(1,234.56)": a negative correction
	NullCells                // "N/A" consignee, "-" weight, blank value
	CountryCode              // "CN" instead of "China"
	FROB                     // FROB = "Y": dropped
	BadDate                  // "TBD"
	BadValue                 // "about 5k"
	BadHSCode                // "see attached"
	BadCountry               // "Atlantis"
	numQuirks
)

// QuirkNames name the quirks, for Stats.
var QuirkNames = [numQuirks]string{
	"hs_number", "hs_dots", "hs_multi", "hs_desc", "date_text", "date_text_mon",
	"value_text", "value_paren", "null_cells", "country_code", "frob",
	"bad_date", "bad_value", "bad_hs_code", "bad_country",
}

// Options shape a workbook.
type Options struct {
	Rows int
	Seed uint64
	// QuirkShare is the share of rows given each quirk (0.01: 1% of rows
	// per quirk, 15% irregular in all). Zero means a clean file.
	QuirkShare float64
	// Start is the first shipment day; rows spread over Months months.
	Start  time.Time
	Months int
	// TitleRows puts a title, a filter description and a blank row above
	// the header.
	TitleRows bool
	// Date1904 uses the 1904 date system.
	Date1904 bool
	// WeightTonnes writes "Weight (t)" in tonnes instead of "Weight (kg)".
	WeightTonnes bool
	// Sheets splits the rows over this many sheets (default 1); NotesSheet
	// adds a sheet without a header.
	Sheets     int
	NotesSheet bool
}

// Stats is what a correct reader makes of the workbook.
type Stats struct {
	Rows      int            // data rows written
	Published int            // rows that must land in shipments
	FROB      int            // rows dropped as FROB
	Rejected  map[string]int // reason code → rows
	Quirks    map[string]int // quirk name → rows
	// ByMonth counts published rows per YYYY-MM.
	ByMonth map[string]int
	// ValueCents is the sum of published values in cents.
	ValueCents int64
}

var (
	countries = []struct{ name, iso string }{
		{"China", "CN"}, {"Viet Nam", "VN"}, {"Germany", "DE"}, {"Korea, Republic of", "KR"},
		{"Taiwan", "TW"}, {"Mexico", "MX"}, {"India", "IN"}, {"Japan", "JP"}, {"Italy", "IT"}, {"Thailand", "TH"},
	}
	hsCodes = []struct{ code, desc string }{
		{"020130", "Bovine meat, boneless, fresh"}, {"847130", "Portable computers"},
		{"0901210000", "Coffee, roasted"}, {"030617", "Frozen shrimps and prawns"},
		{"940360", "Wooden furniture"}, {"85171300", "Smartphones"}, {"640399", "Footwear, leather uppers"},
		{"090240", "Black tea"}, {"392690", "Articles of plastics"}, {"870323", "Motor cars 1500-3000cc"},
	}
	ports    = []string{"Yantian, China", "Shanghai, China", "Busan, South Korea", "Kaohsiung, Taiwan", "Hamburg, Germany", "Ho Chi Minh City, Vietnam"}
	usPorts  = []string{"Los Angeles, California", "Long Beach, California", "New York/Newark Area, Newark, New Jersey", "Savannah, Georgia", "Seattle, Washington"}
	carriers = []string{"MAEU", "COSU", "EGLV", "HLCU", "ONEY", "MSCU"}
	firms    = []string{"Acme Imports LLC", "Global Trade Partners Inc", "Pacific Goods Co", "Sunrise Home Furnishings", "Blue Ocean Foods", "Northwind Traders"}
	shippers = []string{"Shenzhen Bright Electronics Co Ltd", "Ningbo Everwin Furniture", "Hai Phong Seafood JSC", "Bremen Maschinenbau GmbH", "Guangzhou Star Footwear", "Busan Precision Parts"}
)

// maxSheetRows is what a sheet holds below its header and title rows
// (Excel's limit is 1,048,576 rows).
const maxSheetRows = 1_048_576 - 4

// SheetsFor returns how many sheets n rows need.
func SheetsFor(n int) int { return max(1, (n+maxSheetRows-1)/maxSheetRows) }

// Write writes the workbook to w.
func Write(w io.Writer, o Options) (Stats, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := build(f, o)
	if err != nil {
		return st, err
	}
	if err := f.Write(w); err != nil {
		return st, fmt.Errorf("write workbook: %w", err)
	}
	return st, nil
}

// WriteFile writes the workbook to path.
func WriteFile(path string, o Options) (Stats, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := build(f, o)
	if err != nil {
		return st, err
	}
	if err := f.SaveAs(path); err != nil {
		return st, fmt.Errorf("write workbook: %w", err)
	}
	return st, nil
}

func build(f *excelize.File, o Options) (Stats, error) {
	st := Stats{Rejected: map[string]int{}, Quirks: map[string]int{}, ByMonth: map[string]int{}}
	if o.Start.IsZero() {
		o.Start = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.Months <= 0 {
		o.Months = 12
	}
	if o.Sheets <= 0 {
		o.Sheets = 1
	}
	if per := (o.Rows + o.Sheets - 1) / o.Sheets; per > maxSheetRows {
		return st, fmt.Errorf("%d rows on %d sheet(s): a sheet holds at most %d rows", o.Rows, o.Sheets, maxSheetRows)
	}
	if o.Date1904 {
		t := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &t}); err != nil {
			return st, err
		}
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return st, err
	}
	end := o.Start.AddDate(0, o.Months, 0)
	span := int(end.Sub(o.Start).Hours() / 24)
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	cols := append([]string(nil), Columns...)
	if o.WeightTonnes {
		cols[18] = "Weight (t)"
	}
	per := (o.Rows + o.Sheets - 1) / o.Sheets
	row := 0
	for s := range o.Sheets {
		name := fmt.Sprintf("Shipments %d", s+1)
		if s == 0 {
			name = "Shipments"
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return st, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return st, err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return st, err
		}
		r := 1
		put := func(vals []any) error {
			cell, _ := excelize.CoordinatesToCellName(1, r)
			r++
			return sw.SetRow(cell, vals)
		}
		if o.TitleRows {
			if err := put([]any{"Panjiva Shipment Search Results"}); err != nil {
				return st, err
			}
			if err := put([]any{"Filters: Arrival Date between " + o.Start.Format("2006-01-02") + " and " + end.AddDate(0, 0, -1).Format("2006-01-02") + "; HS Code; Shipment Destination = United States"}); err != nil {
				return st, err
			}
			r++ // a blank row
		}
		hdr := make([]any, len(cols))
		for i, c := range cols {
			hdr[i] = c
		}
		if err := put(hdr); err != nil {
			return st, err
		}
		vals := make([]any, len(cols))
		for n := 0; n < per && row < o.Rows; n++ {
			row++
			day := o.Start.AddDate(0, 0, rng.IntN(span))
			q := Quirk(-1)
			if o.QuirkShare > 0 {
				if x := rng.Float64(); x < o.QuirkShare*float64(numQuirks) {
					q = Quirk(x / o.QuirkShare)
				}
			}
			fillRow(vals, rng, row, day, q, o, dateStyle, &st)
			if err := put(vals); err != nil {
				return st, err
			}
		}
		if err := sw.Flush(); err != nil {
			return st, err
		}
	}
	if o.NotesSheet {
		if _, err := f.NewSheet("Notes"); err != nil {
			return st, err
		}
		if err := f.SetCellStr("Notes", "A1", "Values are Panjiva estimates. Export generated for testing."); err != nil {
			return st, err
		}
	}
	return st, nil
}

func excelSerial(t time.Time, date1904 bool) float64 {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Sub(base).Hours() / 24
}

func fillRow(v []any, rng *rand.Rand, row int, day time.Time, q Quirk, o Options, dateStyle int, st *Stats) {
	st.Rows++
	if q >= 0 {
		st.Quirks[QuirkNames[q]]++
	}
	origin := countries[rng.IntN(len(countries))]
	hs := hsCodes[rng.IntN(len(hsCodes))]
	cents := int64(rng.IntN(50_000_000)) + 100
	kg := float64(rng.IntN(40000)+10) + 0.5*float64(rng.IntN(2))
	firm := firms[rng.IntN(len(firms))]
	v[0] = fmt.Sprintf("MAEU%09d", row)
	v[1] = excelize.Cell{StyleID: dateStyle, Value: excelSerial(day, o.Date1904)}
	v[2] = firm
	v[3] = fmt.Sprintf("%d Harbor Blvd, Suite %d, Long Beach CA 90802", 100+rng.IntN(900), rng.IntN(400))
	v[4] = shippers[rng.IntN(len(shippers))]
	v[5] = "Industrial Park Road No. " + fmt.Sprint(rng.IntN(200))
	v[6] = carriers[rng.IntN(len(carriers))]
	v[7] = firm
	v[8] = origin.name
	v[9] = "United States"
	v[10] = ports[rng.IntN(len(ports))]
	v[11] = usPorts[rng.IntN(len(usPorts))]
	v[12] = ports[rng.IntN(len(ports))]
	v[13] = "Maritime"
	v[14] = fmt.Sprintf("MAERSK %s", []string{"ESSEN", "KENTUCKY", "SELETAR", "HIDALGO"}[rng.IntN(4)])
	v[15] = "Yes"
	v[16] = float64(rng.IntN(8)+1) / 2
	v[17] = rng.IntN(2000) + 1
	if o.WeightTonnes {
		v[18] = kg / 1000
	} else {
		v[18] = kg
	}
	v[19] = float64(cents) / 100
	v[20] = "No"
	v[21] = hs.code
	v[22] = strings.ToUpper(hs.desc)
	v[23] = rng.IntN(4) + 1
	v[24] = fmt.Sprintf("MSKU%07d", rng.IntN(10_000_000))
	published := true
	switch q {
	case HSNumber:
		// The code loses its leading zero when the column is numeric.
		v[21] = 201.3 // 020130
	case HSDots:
		v[21] = hs.code[:4] + "." + hs.code[4:6] + func() string {
			if len(hs.code) > 6 {
				return "." + hs.code[6:]
			}
			return ""
		}()
	case HSMulti:
		v[21] = hs.code + "; 847130"
	case HSDesc:
		v[21] = hs.code + " - " + hs.desc
	case DateText:
		v[1] = day.Format("01/02/2006")
	case DateTextMon:
		v[1] = day.Format("02-Jan-2006")
	case ValueText:
		v[19] = "$" + thousands(cents/100) + fmt.Sprintf(".%02d", cents%100)
	case ValueParen:
		v[19] = "(" + thousands(cents/100) + fmt.Sprintf(".%02d", cents%100) + ")"
		cents = -cents
	case NullCells:
		v[2] = "N/A"
		v[18] = "-"
		v[19] = nil
		cents = 0
	case CountryCode:
		v[8] = origin.iso
	case FROB:
		v[20] = "Y"
		published = false
		st.FROB++
	case BadDate:
		v[1] = "TBD"
		published = false
		st.Rejected["bad_date"]++
	case BadValue:
		v[19] = "about 5k"
		published = false
		st.Rejected["bad_value"]++
	case BadHSCode:
		v[21] = "see attached"
		published = false
		st.Rejected["bad_hs_code"]++
	case BadCountry:
		v[8] = "Atlantis"
		published = false
		st.Rejected["bad_country"]++
	}
	if published {
		st.Published++
		st.ByMonth[day.Format("2006-01")]++
		st.ValueCents += cents
	}
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
