// Text layout on top of the writer: alignment and word wrapping measured with the font's own widths.
import Foundation

public enum PDFTextAlignment: Sendable {
    case left
    case center
    case right
}

extension PDFDocumentWriter {
    public mutating func drawText(_ text: String, alignedTo alignment: PDFTextAlignment, x: Double, y: Double, font: PDFFont, size: Double, gray: Double = 0) {
        let start: Double
        switch alignment {
        case .left: start = x
        case .center: start = x - width(of: text, font: font, size: size) / 2
        case .right: start = x - width(of: text, font: font, size: size)
        }
        drawText(text, x: start, y: y, font: font, size: size, gray: gray)
    }

    /// Breaks `text` into lines no wider than `width`, at spaces; a word that alone is too wide
    /// (an e-mail address, a name typed without spaces) is split between characters instead.
    public func wrap(_ text: String, font: PDFFont, size: Double, width: Double, firstLineWidth: Double? = nil) -> [String] {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard !words.isEmpty else { return [] }
        let spaceWidth = self.width(of: " ", font: font, size: size)
        var lines: [String] = []
        var current = ""
        var currentWidth = 0.0
        func limit() -> Double { lines.isEmpty ? (firstLineWidth ?? width) : width }

        for word in words {
            let wordWidth = self.width(of: word, font: font, size: size)
            if current.isEmpty, wordWidth <= limit() {
                current = word
                currentWidth = wordWidth
            } else if !current.isEmpty, currentWidth + spaceWidth + wordWidth <= limit() {
                current += " " + word
                currentWidth += spaceWidth + wordWidth
            } else if wordWidth <= width {
                if !current.isEmpty { lines.append(current) }
                current = word
                currentWidth = wordWidth
            } else {
                // Fill the rest of the current line with the start of the long word, then carry on.
                var pending = current.isEmpty ? "" : current + " "
                var pendingWidth = current.isEmpty ? 0 : currentWidth + spaceWidth
                for character in word {
                    let characterWidth = self.width(of: String(character), font: font, size: size)
                    if pendingWidth + characterWidth > limit(), !pending.trimmingCharacters(in: .whitespaces).isEmpty {
                        lines.append(pending.trimmingCharacters(in: .whitespaces))
                        pending = ""
                        pendingWidth = 0
                    }
                    pending.append(character)
                    pendingWidth += characterWidth
                }
                current = pending
                currentWidth = pendingWidth
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// Draws a wrapped paragraph whose first baseline is `y`; returns the baseline below its last line.
    @discardableResult
    public mutating func drawParagraph(
        _ text: String, x: Double, y: Double, width: Double, font: PDFFont, size: Double,
        leading: Double? = nil, alignment: PDFTextAlignment = .left, firstLineIndent: Double = 0
    ) -> Double {
        let lineHeight = leading ?? size * 1.35
        let lines = wrap(text, font: font, size: size, width: width, firstLineWidth: width - firstLineIndent)
        var baseline = y
        for (index, line) in lines.enumerated() {
            let indent = index == 0 ? firstLineIndent : 0
            switch alignment {
            case .left: drawText(line, x: x + indent, y: baseline, font: font, size: size)
            case .center: drawText(line, alignedTo: .center, x: x + width / 2, y: baseline, font: font, size: size)
            case .right: drawText(line, alignedTo: .right, x: x + width, y: baseline, font: font, size: size)
            }
            baseline -= lineHeight
        }
        return baseline
    }
}
