import { createRoot } from 'react-dom/client';
import '../ui/base.css';
import './options.css';
import { OptionsPage } from './OptionsPage';

createRoot(document.getElementById('root')!).render(<OptionsPage />);
