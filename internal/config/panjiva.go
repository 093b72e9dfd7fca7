package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tradepipe/tradepipe/internal/reference"
)

// PanjivaOptions are the options of a panjiva job (shipment spreadsheets).
type PanjivaOptions struct {
	// Inbox is where operators drop .xlsx exports; a scheduled job needs
	// one, `tradepipe ingest` does not.
	Inbox string `yaml:"inbox"`
	// Aliases maps extra header texts to fields, e.g.
	// {"Arrival Dt": shipment_date}.
	Aliases map[string]string `yaml:"aliases"`
	// CountryAliases maps extra country names to ISO 3166-1 alpha-2.
	CountryAliases map[string]string `yaml:"country_aliases"`
	// HeaderSearchRows is how many rows from the top may hold the header.
	HeaderSearchRows int `yaml:"header_search_rows"`
	// UnzipSizeLimit and UnzipXMLSizeLimit (bytes) refuse zip bombs; zero
	// means the source's defaults (16 GiB, 512 MiB).
	UnzipSizeLimit    int64 `yaml:"unzip_size_limit"`
	UnzipXMLSizeLimit int64 `yaml:"unzip_xml_size_limit"`
}

// PanjivaFields are the fields a header alias may name; the panjiva
// source's FieldNames, checked equal by a test.
var PanjivaFields = []string{
	"shipment_date", "bill_of_lading", "shipper", "consignee", "origin_country",
	"destination_country", "port_of_lading", "port_of_unlading", "hs_code",
	"goods_description", "value_usd", "weight_kg", "weight_t", "teu", "frob",
}

func decodePanjiva(j *Job, path string) (any, Problems) {
	o := &PanjivaOptions{}
	ps := decodeNode(&j.Options, o, path)
	ps = append(ps, checkURL(path+".inbox", o.Inbox)...)
	if j.Schedule != "" && o.Inbox == "" {
		ps = append(ps, Problem{Path: path + ".inbox", Msg: "required when the job has a schedule"})
	}
	for _, h := range sortedKeys(o.Aliases) {
		if strings.TrimSpace(h) == "" {
			ps = append(ps, Problem{Path: path + ".aliases", Msg: "empty header text"})
		}
		if f := o.Aliases[h]; !slices.Contains(PanjivaFields, f) {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.aliases[%q]", path, h), Msg: fmt.Sprintf("%q is not a field (one of %s)", f, strings.Join(PanjivaFields, ", "))})
		}
	}
	for _, n := range sortedKeys(o.CountryAliases) {
		code := o.CountryAliases[n]
		if _, ok := reference.ISO2(code); !ok || len(code) != 2 || strings.ToUpper(code) != code {
			ps = append(ps, Problem{Path: fmt.Sprintf("%s.country_aliases[%q]", path, n), Msg: fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", code)})
		}
	}
	if o.HeaderSearchRows < 0 {
		ps = append(ps, Problem{Path: path + ".header_search_rows", Msg: "must be 0 (default) or more"})
	}
	if o.UnzipSizeLimit < 0 {
		ps = append(ps, Problem{Path: path + ".unzip_size_limit", Msg: "must be 0 (default) or more bytes"})
	}
	if o.UnzipXMLSizeLimit < 0 {
		ps = append(ps, Problem{Path: path + ".unzip_xml_size_limit", Msg: "must be 0 (default) or more bytes"})
	}
	if o.UnzipSizeLimit > 0 && o.UnzipXMLSizeLimit > o.UnzipSizeLimit {
		ps = append(ps, Problem{Path: path + ".unzip_xml_size_limit", Msg: "must not exceed unzip_size_limit"})
	}
	return o, ps
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
