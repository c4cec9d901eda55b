import { NotFoundNotice } from '../lib/not-found.tsx';

export const config = { unstable_runtimeJS: false };

export default NotFoundNotice;
