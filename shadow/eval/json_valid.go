package eval

// JSONValid passes when the candidate's content (think blocks stripped) is
// one JSON object or array, as a JSON response format promises. A markdown
// fence around it fails: the application's json.loads would fail too.
type JSONValid struct{}

// Name implements Evaluator.
func (JSONValid) Name() string { return "json_valid" }

// Evaluate implements Evaluator.
func (JSONValid) Evaluate(in Input) Result {
	v, ok := decodeJSON(StripThink(in.Candidate.Content))
	if ok {
		switch v.(type) {
		case map[string]any, []any:
		default:
			ok = false
		}
	}
	r := Result{Evaluator: "json_valid", Score: boolScore(ok), Pass: ok}
	if !ok {
		r.Note = "candidate content is not a JSON object or array"
	}
	return r
}
