// Renders a model card: Markdown → HTML with raw HTML escaped, only http(s) and relative links, relative links and images pointed at the run's artifacts.
import { Marked, type Tokens } from 'marked';
import { useMemo } from 'react';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function Markdown({ text, imageUrl }: { text: string; imageUrl: (src: string) => string }) {
  const html = useMemo(() => {
    const md = new Marked({ gfm: true, async: false });
    md.use({
      renderer: {
        // The card is our own output, but raw HTML in Markdown is never trusted.
        html: (t: Tokens.HTML | Tokens.Tag) => escape(t.text),
        image: (t: Tokens.Image) => `<img src="${escape(/^(https?:|data:|\/)/.test(t.href) ? t.href : imageUrl(t.href))}" alt="${escape(t.text || t.title || 'plot')}">`,
        link: (t: Tokens.Link) => {
          if (/^[a-z][\w+.-]*:/i.test(t.href) && !/^https?:/i.test(t.href)) return escape(t.text);
          const href = /^(https?:|\/|#)/i.test(t.href) ? t.href : imageUrl(t.href);
          return `<a href="${escape(href)}">${escape(t.text)}</a>`;
        },
      },
    });
    return md.parse(text) as string;
  }, [text, imageUrl]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
