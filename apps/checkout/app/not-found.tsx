import { NotFoundNotice } from '../lib/not-found.tsx';

export default NotFoundNotice;
