/// The `include` directives of an nginx config text, each with the blocks around it and its place.
///
/// A small tokenizer of nginx's syntax (words, `${variable}` inside them, quoted strings with escapes,
/// `#` comments, `{`, `}` and `;`), enough to know that an include sits inside `stream {}` rather than `http {}` and to rewrite its
/// argument in place, wherever the line breaks fall.
struct IncludeScan {
    struct Include {
        /// The file as written, without quotes.
        let argument: String
        /// The argument's characters in the text, quotes included: what a substitution replaces.
        let range: Range<String.Index>
        /// Where the `include` word starts, 1-based.
        let line: Int
        let column: Int
        /// The names of the enclosing blocks, outermost first (`["http"]`, `["stream"]`, `[]` at top).
        let blocks: [String]
    }

    static func includes(in text: String) -> [Include] {
        var found: [Include] = []
        var blocks: [String] = []
        var statement: [(word: String, range: Range<String.Index>, line: Int, column: Int)] = []
        var index = text.startIndex
        var line = 1, column = 1
        func advance() {
            if text[index] == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index = text.index(after: index)
        }
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case "#":
                while index < text.endIndex, text[index] != "\n" { advance() }
            case "{":
                blocks.append(statement.first?.word ?? "")
                statement = []
                advance()
            case "}":
                _ = blocks.popLast()
                statement = []
                advance()
            case ";":
                if statement.count == 2, statement[0].word == "include" {
                    let (word, range, _, _) = statement[1]
                    found.append(Include(argument: word, range: range, line: statement[0].line, column: statement[0].column, blocks: blocks))
                }
                statement = []
                advance()
            case _ where character.isWhitespace:
                advance()
            default:
                let start = index, startLine = line, startColumn = column
                var word = ""
                if character == "\"" || character == "'" {
                    advance()
                    while index < text.endIndex, text[index] != character {
                        if text[index] == "\\" {
                            advance()
                            guard index < text.endIndex else { break }
                        }
                        word.append(text[index])
                        advance()
                    }
                    if index < text.endIndex { advance() }
                } else {
                    while index < text.endIndex, !text[index].isWhitespace, !"{};".contains(text[index]) || (text[index] == "{" && word.last == "$") {
                        if text[index] == "{" {
                            while index < text.endIndex, text[index] != "}" {
                                word.append(text[index])
                                advance()
                            }
                            guard index < text.endIndex else { break }
                        }
                        word.append(text[index])
                        advance()
                    }
                }
                statement.append((word, start..<index, startLine, startColumn))
            }
        }
        return found
    }
}
