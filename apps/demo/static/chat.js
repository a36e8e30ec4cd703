// The /chat page: join a room over /ws/chat and show what happens in it.
(() => {
  const $ = (id) => document.getElementById(id);
  const messages = $('messages');
  let socket = null;

  function show(text, cls) {
    const li = document.createElement('li');
    li.textContent = text;
    if (cls) li.className = cls;
    messages.appendChild(li);
    messages.scrollTop = messages.scrollHeight;
  }

  let members = [];
  function setMembers(names) {
    members = [...names].sort();
    $('members').replaceChildren(...members.map((n) => {
      const li = document.createElement('li');
      li.textContent = n;
      return li;
    }));
  }

  function setConnected(on, status) {
    $('text').disabled = !on;
    $('send').disabled = !on;
    $('status').textContent = status;
  }

  function connect(name, room) {
    if (socket) socket.close(1000);
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/ws/chat?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}`;
    const ws = new WebSocket(url);
    socket = ws;
    setConnected(false, 'connecting…');
    ws.onopen = () => setConnected(true, `in #${room} as ${name}`);
    ws.onmessage = (event) => {
      const m = JSON.parse(event.data);
      const time = new Date(m.ts || Date.now()).toLocaleTimeString();
      if (m.type === 'message') show(`[${time}] ${m.name}: ${m.text}`, 'message');
      else if (m.type === 'members') setMembers(m.members);
      else if (m.type === 'join') {
        show(`${m.name} joined`, 'event');
        if (!members.includes(m.name)) setMembers([...members, m.name]);
      } else if (m.type === 'leave') {
        show(`${m.name} left`, 'event');
        setMembers(members.filter((n) => n !== m.name));
      }
      else if (m.type === 'error') show(`error: ${m.error}`, 'error');
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      setConnected(false, `disconnected (${event.code}${event.reason ? ': ' + event.reason : ''})`);
    };
  }

  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    messages.replaceChildren();
    connect($('name').value.trim(), $('room').value.trim());
  });

  $('send-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('text').value;
    if (!text || !socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify({ text }));
    $('text').value = '';
  });

  // A logged-in name (GET /me, once sessions exist) fills the form.
  fetch('/me').then((r) => (r.ok ? r.json() : null)).then((me) => {
    if (me && me.name && !$('name').value) $('name').value = me.name;
  }).catch(() => {});
})();
